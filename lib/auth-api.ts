import { Annotations, Aspects, type CustomResource, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import type { CfnAuthorizer, HttpApi, HttpRoute, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ConfigError } from '../functions/core/errors';
import { dummyHashFor } from '../functions/core/password-schemes';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  MIGRATION_TABLE,
  NEW_USER,
  type ProtectedRoute,
  type Route,
  enabledRoutes,
  fallbackHandler,
  publishesEvents,
} from '../functions/routes';
import type { AuthApiProps } from './auth-api-props';
import { jwtAuthorizer, protectedRoute, sessionAuthorizer } from './authorizers';
import { InvokePermissionsNameTheAccount, logsKey } from './compliance';
import { stackClients } from './clients';
import { CustomDomain } from './custom-domain';
import {
  COMMON_ENVIRONMENT,
  type KeySecrets,
  accountEnvironment,
  discoveryEnvironment,
  keyEnvironment,
  routeEnvironment,
} from './environment';
import { AuthEvents } from './events';
import { FunctionFactory } from './function-factory';
import { LOGIN_THROTTLED_ROUTES, accessLogGroup, acknowledgeOwnRoutes, addRoute, httpApi, stage } from './http-api';
import { keySet, mfaSecret, refreshSecret } from './key-set';
import { Mail } from './mail';
import { Monitoring } from './monitoring';
import type { RouteFunction } from './route-function';
import { table } from './table';

export type { AuthApiProps } from './auth-api-props';

/**
 * The whole auth API as one construct (docs/architecture.md "Layout"): the table, the keys, one
 * function per row of functions/routes.ts (plus the 404/405 catch-all), the HTTP API and its
 * `$default` stage, the authorizers for a team's own routes, the mail worker, monitoring. Each part
 * is built by a file of its own in lib/, in this construct's scope, so every logical id stays what it
 * was. The deployable stack (lib/auth-stack.ts) is one of these; a team's own CDK app can
 * instantiate it the same way.
 */
export class AuthApi extends Construct {
  /** The table: the stack's own, or the restored one it adopted (`adoptTableName`). */
  readonly table: ITableV2;
  /** The refresh-token secret (HS256, never published). Its id dates from when it signed every token. */
  readonly signingKey: Secret;
  /** The private key set that signs access tokens: only the login and refresh functions may read it. */
  readonly accessTokenKeys: Secret;
  /** The published copy of the key set (a JWKS document): what every verifying function reads. */
  readonly publicKeys: Secret;
  /** The custom resource that makes the first key set: whatever needs the keys at deploy time depends on it. */
  readonly initialKeys: CustomResource;
  /** Writes the stack's OAuth clients (context `clients`) at deploy (lib/clients.ts). */
  readonly stackClients: CustomResource;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** The custom domain, when the props name one. */
  readonly customDomain?: CustomDomain;
  /** The mail queue and worker, when `emailFrom` is set. */
  readonly mail?: Mail;
  /** The alarms, their topic and the dashboard, unless `monitoring` is false. */
  readonly monitoring?: Monitoring;
  /** Each function, by name (`token`, `me`, ..., `not-found`, `signing-keys`, `session-authorizer`). */
  readonly functions: Record<string, RouteFunction>;
  /** The API Gateway route of each row of the route table, by the row's name. */
  readonly routes: Record<string, HttpRoute> = {};
  /**
   * API Gateway's JWT authorizer for this API's access tokens (issuer: this API; audience:
   * TOKEN_AUDIENCE). No code and no table read: a revoked session's tokens pass until they expire.
   * Absent only while a custom domain's DNS is not ready (`customDomain.dnsReady: false`).
   */
  readonly jwtAuthorizer?: CfnAuthorizer;
  /** The session authorizer: a Lambda that checks the token's session like /users/me (revocation is immediate). */
  readonly sessionAuthorizer: HttpLambdaAuthorizer;
  /** The MFA key's secret: only the TOTP functions and the OAuth token endpoint read it. */
  readonly mfaKey: Secret;
  /** The log groups' KMS key, when `encryptLogs` is set. */
  readonly logsKey?: Key;
  /** The event bus every audit event goes to (and the webhooks' rules), unless `eventBus` is `none`. */
  readonly events?: AuthEvents;
  private readonly factory: FunctionFactory;
  private readonly customDomainUrl?: string;

  constructor(scope: Construct, id: string, props: AuthApiProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    this.table = table(this, { removalPolicy, adoptTableName: props.adoptTableName });
    this.signingKey = refreshSecret(this, removalPolicy);
    this.logsKey = props.encryptLogs ? logsKey(this, removalPolicy) : undefined;
    if (props.eventBus !== 'none') {
      this.events = new AuthEvents(this, 'Events', { existingBus: props.eventBus, webhooks: props.eventWebhooks });
    } else if (props.eventWebhooks?.length) {
      throw new ConfigError('eventWebhooks need the event bus: eventBus is none');
    }
    this.factory = new FunctionFactory(this, {
      logRetention,
      logLevel: props.logLevel ?? 'INFO',
      logsKey: this.logsKey,
      tracing: props.tracing === true,
      legacyMigration: props.legacyMigrationFunction !== undefined,
      events: this.events !== undefined,
    });
    this.functions = this.factory.functions;
    const accessLogs = accessLogGroup(this, this.factory.defaults);

    const legacy = props.legacyMigrationFunction;
    if (
      legacy &&
      !/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/.test(legacy)
    )
      throw new ConfigError(`legacyMigrationFunction must be a Lambda function's ARN, got "${legacy}"`);

    if (props.unknownUserHash !== undefined && !dummyHashFor(props.unknownUserHash))
      throw new ConfigError(
        `unknownUserHash must be an imported scheme's header within the limits (docs/importing-users.md), ` +
          `got "${props.unknownUserHash}"`,
      );

    // The catch-all tells a route this deployment lacks (sign-up off) from one it has: the account settings.
    const fallback = this.factory.make(fallbackHandler, '404 / 405 for every unmatched request', {
      ...COMMON_ENVIRONMENT,
      ...accountEnvironment(props),
    });
    if (props.disableExecuteApiEndpoint && !props.customDomain) {
      throw new ConfigError('disableExecuteApiEndpoint needs a custom domain (domainName and certificateArn)');
    }
    this.customDomainUrl = props.customDomain ? `https://${props.customDomain.domainName}` : undefined;
    this.api = httpApi(this, {
      fallback,
      origins: props.allowedOrigins ?? [],
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint === true,
    });
    const keys = keySet(this, {
      removalPolicy,
      rotationDays: props.signingKeyRotationDays ?? 30,
      functions: this.factory,
    });
    this.accessTokenKeys = keys.accessTokenKeys;
    this.publicKeys = keys.publicKeys;
    this.initialKeys = keys.initial;
    this.mfaKey = mfaSecret(this, removalPolicy);
    const secrets: KeySecrets = {
      refresh: this.signingKey,
      signing: this.accessTokenKeys,
      public: this.publicKeys,
      mfa: this.mfaKey,
    };
    const environment = routeEnvironment(props, { tableName: this.table.tableName, issuer: this.issuer() });
    if (props.emailFrom) {
      this.mail = new Mail(this, 'Mail', {
        table: this.table,
        emailFrom: props.emailFrom,
        emailIdentity: props.emailIdentity ?? props.emailFrom.split('@')[1],
        environment,
        makeWorker: (env) => this.factory.make('mail-worker', 'Sends reset and verification links through SES', env),
      });
      // Its audit events (password_reset_requested, email_verification_requested) go on the bus too.
      this.events?.grantPublish(this.mail.worker);
    }
    const deployed = enabledRoutes({
      emailFrom: props.emailFrom,
      allowSignup: props.allowSignup === true,
      passkeys: Boolean(props.webauthnRpId),
      dcr: props.dynamicClientRegistration === true,
    });
    for (const route of deployed) this.addRouteRow(route, props, environment, secrets);
    this.stackClients = stackClients(this, {
      table: this.table,
      factory: this.factory,
      clients: props.clients ?? [],
      scopes: props.scopes,
    });
    acknowledgeOwnRoutes(this.api);

    this.stage = stage(this, {
      api: this.api,
      accessLogs,
      props,
      loginRoutes: deployed
        .filter((r) => LOGIN_THROTTLED_ROUTES.includes(r.name))
        .map((r) => ({ key: `${r.method} ${r.path}`, route: this.routes[r.name] })),
    });
    if (props.customDomain) {
      this.customDomain = new CustomDomain(this, 'CustomDomain', {
        ...props.customDomain,
        api: this.api,
        stage: this.stage,
      });
    }

    // Authorizers for a team's own routes.
    this.sessionAuthorizer = sessionAuthorizer(this.factory, {
      environment: { ...environment, ...keyEnvironment(['public'], secrets, props) },
      table: this.table,
      publicKeys: this.publicKeys,
      cacheSeconds: props.sessionAuthorizerCacheSeconds,
    });
    if (props.customDomain?.dnsReady === false) {
      Annotations.of(this).addWarningV2(
        'auth-api:jwt-authorizer-deferred',
        `dnsReady=false: the JWT authorizer and the routes behind it are left out until ` +
          `https://${props.customDomain.domainName} answers; point its DNS at the DomainTarget output, ` +
          'then deploy again without dnsReady=false.',
      );
    } else {
      this.jwtAuthorizer = jwtAuthorizer(this, {
        api: this.api,
        issuer: this.issuer(),
        // With a custom domain the issuer is the domain: API Gateway fetches its discovery document
        // through the domain, its mapping and (when made here) its DNS records.
        discovery: [
          this.stage,
          this.routes['openid-configuration'],
          this.routes.jwks,
          this.functions['openid-configuration'],
          this.functions.jwks,
          this.initialKeys,
          ...(this.customDomain?.reachable ?? []),
        ],
      });
    }
    if (props.monitoring !== false) {
      this.monitoring = new Monitoring(this, 'Monitoring', {
        api: this.api,
        stage: this.stage,
        table: this.table,
        routes: deployed,
        functions: this.functions,
        service: COMMON_ENVIRONMENT.POWERTOOLS_SERVICE_NAME,
        events: this.events,
        legacyMigration: props.legacyMigrationFunction !== undefined,
        alarmEmail: props.alarmEmail,
        removalPolicy,
        ...props.alarmThresholds,
      });
    }
    // API Gateway's invoke permissions name this API in a SourceArn built with Fn::Join, which AWS
    // Control Tower's CT.LAMBDA.PR.2 cannot read: with a known account they also carry it as a literal.
    Aspects.of(this).add(new InvokePermissionsNameTheAccount());
    for (const route of props.protectedRoutes ?? []) this.addProtectedRoute(route);
  }

  /**
   * A route of your own behind one of the two authorizers, served by its own function (bundled from
   * `route.entry`, with a role that may do nothing but write its logs: grant it what it needs).
   */
  addProtectedRoute(route: ProtectedRoute): RouteFunction {
    const fn = this.factory.makeOwn(route);
    this.monitoring?.watchFunction(route.name, fn);
    if (route.authorizer === 'jwt' && !this.jwtAuthorizer) {
      // dnsReady=false: the function is made (the next deploy only adds the route), the route is not.
      Annotations.of(this).addWarningV2(
        'auth-api:jwt-route-deferred',
        `${route.method} ${route.path} waits for dnsReady`,
      );
      return fn;
    }
    protectedRoute(route, fn, { api: this.api, jwt: this.jwtAuthorizer, session: this.sessionAuthorizer });
    return fn;
  }

  /** One row of the route table: its function, exactly the grants the row names, and its API route. */
  private addRouteRow(route: Route, props: AuthApiProps, environment: Record<string, string>, secrets: KeySecrets) {
    // The discovery routes need no table and no configuration but the issuer.
    const base =
      Object.keys(route.table).length > 0
        ? environment
        : { ...COMMON_ENVIRONMENT, TOKEN_ISSUER: this.issuer(), ...discoveryEnvironment(props) };
    const fn = this.factory.make(route.name, `${route.method} ${route.path}`, {
      ...base,
      ...keyEnvironment(route.keys, secrets, props),
      ...(route.sendsMail && this.mail ? { MAIL_QUEUE_URL: this.mail.queue.queueUrl } : {}),
    });
    if (route.sendsMail) this.mail?.queue.grantSendMessages(fn);
    fn.grantTable(this.table, route.table, route.user);
    if (publishesEvents(route)) this.events?.grantPublish(fn);
    // Only the login functions check imported hashes, so only they make the unknown-user dummy of one.
    if (route.logsIn && props.unknownUserHash) fn.addEnvironment('UNKNOWN_USER_HASH', props.unknownUserHash);
    const legacy = route.logsIn ? props.legacyMigrationFunction : undefined;
    if (legacy) {
      // Lazy migration: that one function may be invoked, and the users it vouches for created.
      fn.addEnvironment('LEGACY_MIGRATION_FUNCTION', legacy);
      fn.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [legacy] }));
      fn.grantTable(this.table, MIGRATION_TABLE, NEW_USER);
    }
    for (const access of ['refresh', 'signing', 'public', 'mfa'] as const)
      if (route.keys.includes(access)) fn.grantSecretValue(secrets[access]);
    this.routes[route.name] = addRoute(this.api, route, fn);
  }

  /**
   * The issuer of every token: the API's URL as clients reach it, its custom domain when it has one,
   * else its own endpoint (lazily: the API is made after the functions).
   */
  issuer(): string {
    return this.customDomainUrl ?? Lazy.string({ produce: () => this.api.apiEndpoint });
  }
}
