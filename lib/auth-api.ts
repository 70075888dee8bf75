import {
  Aspects,
  CustomResource,
  Duration,
  type IAspect,
  Lazy,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnAuthorizer,
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, type ITableV2, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct } from 'constructs';
import { audienceFrom, loadConfig } from '../functions/core/config';
import { ConfigError } from '../functions/core/errors';
import {
  type KeyAccess,
  type ProtectedRoute,
  type Route,
  SESSION_AUTHORIZER_TABLE_ACCESS,
  enabledRoutes,
  fallbackHandler,
} from '../functions/routes';
import { TABLE } from '../functions/store/schema';
import { CustomDomain, type CustomDomainProps } from './custom-domain';
import { Mail } from './mail';
import { type AlarmThresholds, Monitoring } from './monitoring';
import { acknowledgeControl, compliantKey } from './compliance';
import { RouteFunction, acknowledgeLogSettings, functionId } from './route-function';

/** What a deployment may change; every value has the documented default (README "Configuration"). */
export interface AuthApiProps {
  /** Seconds; defaults 900 / 604800 / 2592000 / 10. */
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  sessionMaxSeconds?: number;
  refreshReuseGraceSeconds?: number;
  /** Live sessions per user; a login beyond it ends the oldest (default 20). */
  maxSessionsPerUser?: number;
  /** Front-end origins allowed to call the cookie routes, with CORS and credentials. Default none. */
  allowedOrigins?: string[];
  cookiePath?: string;
  cookieSameSite?: 'Lax' | 'Strict' | 'None';
  /** Only for a deployment behind plain HTTP (never in production). Default true. */
  cookieSecure?: boolean;
  bcryptCost?: number;
  /** Brute-force limits; defaults 5 failures, 1 s doubling to 900 s, a 900 s window, 100 failures per IP. */
  loginMaxFailures?: number;
  loginLockBaseSeconds?: number;
  loginLockMaxSeconds?: number;
  loginFailureWindowSeconds?: number;
  loginIpMaxFailures?: number;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Days every log group keeps its lines (default 30; 365 or more meets AWS Control Tower's CT.CLOUDWATCH.PR.2). */
  logRetention?: RetentionDays;
  /**
   * Encrypt every log group with a KMS key this stack creates (rotated yearly, usable by CloudWatch
   * Logs in this account and region only). Default false: CloudWatch Logs' own keys.
   */
  encryptLogs?: boolean;
  /**
   * AWS X-Ray active tracing on every function, through Powertools Tracer: the handler and each AWS
   * SDK call as subsegments. Default false, and then the tracer is not even in the bundles
   * (README "Tracing" has what it costs).
   */
  tracing?: boolean;
  /** Stage-wide throttling; API Gateway answers 429 {"message": "Too Many Requests"} past it. */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * The login route's own throttle, below the stage's, so a flood of logins (each a bcrypt compare)
   * cannot starve refreshes and protected routes. Default 20 requests per second, burst 40.
   */
  loginThrottle?: { rateLimit: number; burstLimit: number };
  /** RETAIN (default) keeps the table and key when the stack is deleted; DESTROY is for throwaway stacks. */
  removalPolicy?: RemovalPolicy;
  /** Days between rotations of the access-token signing keys (default 30; see README "Runbook"). */
  signingKeyRotationDays?: number;
  /** The `client_id` of access tokens when a login names none (default `web`). */
  defaultClientId?: string;
  /**
   * Declare the local override variables (DYNAMODB_ENDPOINT, JWT_SECRET, SIGNING_KEYS) so that
   * `sam local invoke --env-vars` can set them. Only for `npx cdk synth -c samLocal=true`.
   */
  samLocal?: boolean;
  /** Routes of your own behind this API's authorizers (README "Protect your own API"). Default none. */
  protectedRoutes?: readonly ProtectedRoute[];
  /** Seconds API Gateway caches the session authorizer's answer per token (default 0: every request is checked). */
  sessionAuthorizerCacheSeconds?: number;
  /** Serve the API at a domain of your own; the token issuer becomes `https://<domainName>`. Default none. */
  customDomain?: CustomDomainProps;
  /** Turn off the `https://<id>.execute-api.<region>.amazonaws.com` endpoint (only with a custom domain). */
  disableExecuteApiEndpoint?: boolean;
  /**
   * The sender of reset and verification messages, an address of an identity verified in Amazon SES
   * (README "Accounts"). Without it the email routes (forgot, reset, sign-up, verify, resend) are not
   * deployed. Default none.
   */
  emailFrom?: string;
  /**
   * The SES identity the mail worker may send as: the domain of `emailFrom` (default) or the address
   * itself, whichever you verified. The worker's grant names this identity only.
   */
  emailIdentity?: string;
  /** The front-end pages reset and verification links open (`?token=` is appended). */
  passwordResetUrl?: string;
  emailVerifyUrl?: string;
  /** Self-service sign-up (needs `emailFrom` and `emailVerifyUrl`). Default false: the routes are not deployed. */
  allowSignup?: boolean;
  /** A correct password of an unverified user gets 403 (default: `allowSignup`). */
  requireEmailVerification?: boolean;
  /** Sign-ups per source IP per hour (default 10). */
  signupIpMaxPerHour?: number;
  /**
   * Use this existing table instead of the stack's own: the table a point-in-time restore made
   * (README "Runbook"). Default none. Its TTL and PITR must be switched on by hand (a restore does not
   * copy them).
   */
  adoptTableName?: string;
  /**
   * Alarms (to one SNS topic) and a dashboard (README "Observe it"). Default on; `false` leaves them
   * out (they cost about $0.10 a month per alarm, and detailed route metrics are custom metrics).
   */
  monitoring?: boolean;
  /** An address that receives every alarm by email (it must confirm the subscription). */
  alarmEmail?: string;
  /** The alarms' thresholds (lib/monitoring.ts has the defaults). */
  alarmThresholds?: AlarmThresholds;
}

/**
 * Memory and timeout per function, from measurement (README "Sizing"): bcrypt is CPU-bound and
 * Lambda gives one full vCPU at 1769 MB, where a cost-10 compare takes ~70 ms; below that, time
 * grows as memory shrinks, so the cost per login stays flat while latency falls. The other
 * routes wait on DynamoDB and do well under a millisecond of CPU: 512 MB keeps cold starts short.
 */
const SIZING: Record<string, { memorySize: number; timeoutSeconds: number }> = {
  token: { memorySize: 1769, timeoutSeconds: 15 },
  // The password grant checks passwords exactly like the login.
  'oauth2-token': { memorySize: 1769, timeoutSeconds: 15 },
  // Checks the current password and hashes the new one: two bcrypt runs.
  'password-change': { memorySize: 1769, timeoutSeconds: 15 },
  // One bcrypt hash each, on the user's own request (not a login flood): half a vCPU is enough.
  'password-reset': { memorySize: 1024, timeoutSeconds: 15 },
  signup: { memorySize: 1024, timeoutSeconds: 15 },
  [fallbackHandler]: { memorySize: 256, timeoutSeconds: 3 },
  // Generates RSA keys (CPU-bound) for the custom resource and each rotation.
  'signing-keys': { memorySize: 1024, timeoutSeconds: 60 },
};
const DEFAULT_SIZING = { memorySize: 512, timeoutSeconds: 10 };
/** The AuthApi setting (prop and CDK context key) behind each environment variable the functions validate. */
const SETTING_OF: Record<string, string> = {
  ACCESS_TOKEN_TTL_SECONDS: 'accessTokenTtlSeconds',
  REFRESH_TOKEN_TTL_SECONDS: 'refreshTokenTtlSeconds',
  SESSION_MAX_SECONDS: 'sessionMaxSeconds',
  REFRESH_REUSE_GRACE_SECONDS: 'refreshReuseGraceSeconds',
  MAX_SESSIONS_PER_USER: 'maxSessionsPerUser',
  ALLOWED_ORIGINS: 'allowedOrigins',
  COOKIE_PATH: 'cookiePath',
  COOKIE_SAMESITE: 'cookieSameSite',
  COOKIE_SECURE: 'cookieSecure',
  BCRYPT_COST: 'bcryptCost',
  LOGIN_MAX_FAILURES: 'loginMaxFailures',
  LOGIN_LOCK_BASE_SECONDS: 'loginLockBaseSeconds',
  LOGIN_LOCK_MAX_SECONDS: 'loginLockMaxSeconds',
  LOGIN_FAILURE_WINDOW_SECONDS: 'loginFailureWindowSeconds',
  LOGIN_IP_MAX_FAILURES: 'loginIpMaxFailures',
  EMAIL_FROM: 'emailFrom',
  PASSWORD_RESET_URL: 'passwordResetUrl',
  EMAIL_VERIFY_URL: 'emailVerifyUrl',
  ALLOW_SIGNUP: 'allowSignup',
  REQUIRE_EMAIL_VERIFICATION: 'requireEmailVerification',
  SIGNUP_IP_MAX_PER_HOUR: 'signupIpMaxPerHour',
};
const COMMON_ENVIRONMENT = { POWERTOOLS_SERVICE_NAME: 'auth-api', NODE_OPTIONS: '--enable-source-maps' };

/**
 * The whole auth API as one construct: the table, the signing secret, one function per route of
 * functions/routes.ts (plus the 404/405 catch-all), the HTTP API and its `$default` stage with
 * access logs. The deployable stack (lib/auth-stack.ts) is one of these; a team's own CDK app can
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
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** The custom domain, when the props name one. */
  readonly customDomain?: CustomDomain;
  /** The mail queue and worker, when `emailFrom` is set. */
  readonly mail?: Mail;
  /** The alarms, their topic and the dashboard, unless `monitoring` is false. */
  readonly monitoring?: Monitoring;
  private readonly customDomainUrl?: string;
  /** Each function, by handler name (`token`, `me`, ..., `not-found`, `signing-keys`, `session-authorizer`). */
  readonly functions: Record<string, RouteFunction> = {};
  /** The API Gateway route of each row of the route table, by handler name. */
  readonly routes: Record<string, HttpRoute> = {};
  /**
   * API Gateway's JWT authorizer for this API's access tokens (issuer: this API; audience:
   * TOKEN_AUDIENCE). No code and no table read: a revoked session's tokens pass until they expire.
   */
  readonly jwtAuthorizer: CfnAuthorizer;
  /** The session authorizer: a Lambda that checks the token's session like /users/me (revocation is immediate). */
  readonly sessionAuthorizer: HttpLambdaAuthorizer;
  private readonly functionDefaults: {
    logRetention: RetentionDays;
    logLevel: NonNullable<AuthApiProps['logLevel']>;
    logsKey?: Key;
    tracing: boolean;
  };
  /** The log groups' KMS key, when `encryptLogs` is set. */
  readonly logsKey?: Key;

  constructor(scope: Construct, id: string, props: AuthApiProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    // After a point-in-time restore (a new table), the stack adopts the restored one by name
    // (README "Runbook"); its own table is then no longer managed, and is kept (RETAIN).
    this.table = props.adoptTableName
      ? TableV2.fromTableName(this, 'AdoptedTable', props.adoptTableName)
      : this.makeTable(removalPolicy);

    // 64 characters from 62 symbols: ~381 random bits, generated by CloudFormation at deploy time.
    this.signingKey = new Secret(this, 'SigningKey', {
      description: 'HS256 key that signs and verifies the auth API refresh tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    Validations.of(this.signingKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the refresh-token secret ends every session at once (a global logout); it is replaced on purpose ' +
        '(README "Runbook"), not on a schedule. The access-token keys are rotated on a schedule.',
    });

    const logLevel = props.logLevel ?? 'INFO';
    this.logsKey = props.encryptLogs ? logsKey(this, removalPolicy) : undefined;
    this.functionDefaults = { logRetention, logLevel, logsKey: this.logsKey, tracing: props.tracing === true };
    const makeFunction = (handler: string, description: string, environment: Record<string, string>) => {
      const sizing = SIZING[handler] ?? DEFAULT_SIZING;
      const fn = new RouteFunction(this, functionId(handler), {
        handler,
        description,
        memorySize: sizing.memorySize,
        timeout: Duration.seconds(sizing.timeoutSeconds),
        environment,
        ...this.functionDefaults,
      });
      this.functions[handler] = fn;
      return fn;
    };

    const apiLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: this.logsKey,
    });
    acknowledgeLogSettings(apiLogs, this.functionDefaults);
    const origins = props.allowedOrigins ?? [];
    // The catch-all tells a route this deployment lacks (sign-up off) from one it has: the account settings.
    const fallback = makeFunction(fallbackHandler, '404 / 405 for every unmatched request', {
      ...COMMON_ENVIRONMENT,
      ...this.accountEnvironment(props),
    });
    if (props.disableExecuteApiEndpoint && !props.customDomain) {
      throw new ConfigError('disableExecuteApiEndpoint needs a custom domain (domainName and certificateArn)');
    }
    this.customDomainUrl = props.customDomain ? `https://${props.customDomain.domainName}` : undefined;
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Password login, refresh-token sessions and logout',
      createDefaultStage: false,
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint === true,
      defaultIntegration: new HttpLambdaIntegration('FallbackIntegration', fallback),
      // Only listed origins get CORS, and with credentials; API Gateway answers their preflight itself.
      ...(origins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: origins,
              allowCredentials: true,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type'],
              // API Gateway replaces a function's own CORS headers: Retry-After must be exposed here
              // for a front end to read it on a 429 (the dev server exposes the same).
              exposeHeaders: ['retry-after'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    // The catch-all ($default) answers 404/405 to anyone.
    acknowledgeControl(this.api.node.findChild('DefaultRoute'), 'routeAuthorization');
    const keys = this.keySet(props, makeFunction);
    this.accessTokenKeys = keys.accessTokenKeys;
    this.publicKeys = keys.publicKeys;
    this.initialKeys = keys.initial;
    const environment = this.environment(props);
    if (props.emailFrom) {
      this.mail = new Mail(this, 'Mail', {
        table: this.table,
        emailFrom: props.emailFrom,
        emailIdentity: props.emailIdentity ?? props.emailFrom.split('@')[1],
        environment,
        makeWorker: (env) => makeFunction('mail-worker', 'Sends reset and verification links through SES', env),
      });
    }
    const deployed = enabledRoutes({ emailFrom: props.emailFrom, allowSignup: props.allowSignup === true });
    for (const route of deployed) {
      // The discovery routes need no table and no configuration but the issuer.
      const base =
        Object.keys(route.table).length > 0 ? environment : { ...COMMON_ENVIRONMENT, TOKEN_ISSUER: this.issuer() };
      const fn = makeFunction(route.handler, `${route.method} ${route.path}`, {
        ...base,
        ...this.keyEnvironment(route.keys, props),
        ...(route.sendsMail && this.mail ? { MAIL_QUEUE_URL: this.mail.queue.queueUrl } : {}),
      });
      if (route.sendsMail) this.mail?.queue.grantSendMessages(fn);
      this.addRoute(route, fn);
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'These routes are the authentication API itself: login and refresh must be reachable without a token, and ' +
        'the protected routes verify the JWT and its session in the function (an API Gateway JWT authorizer could ' +
        'not check revocation).',
    });

    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      // Per-route metrics (latency, errors): what the per-route latency alarms watch.
      detailedMetricsEnabled: props.monitoring !== false,
      accessLogSettings: {
        destination: new LogGroupLogDestination(apiLogs),
        // No headers, cookies or query strings: tokens travel in those.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    // The login route's own throttle. API Gateway resolves RouteSettings by route key when it updates
    // the stage, so the stage must wait for the route ("Unable to find Route by key" otherwise).
    const login = props.loginThrottle ?? { rateLimit: 20, burstLimit: 40 };
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    // RouteSettings is free-form JSON in the L1: CloudFormation's own (PascalCase) names. Each login
    // route (the cookie login and the OAuth token endpoint) gets the limit of its own.
    const limit = { ThrottlingRateLimit: login.rateLimit, ThrottlingBurstLimit: login.burstLimit };
    cfnStage.routeSettings = { 'POST /auth/token': limit, 'POST /oauth2/token': limit };
    cfnStage.node.addDependency(this.routes.token, this.routes['oauth2-token']);
    if (props.customDomain) {
      this.customDomain = new CustomDomain(this, 'CustomDomain', {
        ...props.customDomain,
        api: this.api,
        stage: this.stage,
      });
    }

    // Authorizers for a team's own routes.
    const authorizerFn = makeFunction('session-authorizer', 'Session authorizer for protected routes', {
      ...environment,
      ...this.keyEnvironment(['public'], props),
    });
    authorizerFn.grantTable(this.table, SESSION_AUTHORIZER_TABLE_ACCESS);
    authorizerFn.grantSecretValue(this.publicKeys);
    this.sessionAuthorizer = new HttpLambdaAuthorizer('SessionAuthorizer', authorizerFn, {
      authorizerName: 'session',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      // CDK's default is 5 minutes, which would let a logged-out token through for that long.
      resultsCacheTtl: Duration.seconds(props.sessionAuthorizerCacheSeconds ?? 0),
    });
    this.jwtAuthorizer = this.makeJwtAuthorizer();
    if (props.monitoring !== false) {
      this.monitoring = new Monitoring(this, 'Monitoring', {
        api: this.api,
        stage: this.stage,
        table: this.table,
        routes: deployed,
        functions: this.functions,
        service: COMMON_ENVIRONMENT.POWERTOOLS_SERVICE_NAME,
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

  /** The one table (docs/architecture.md "Data model"): on demand, TTL, the sessions index, PITR, kept on delete. */
  private makeTable(removalPolicy: RemovalPolicy): TableV2 {
    return new TableV2(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
      globalSecondaryIndexes: [
        {
          indexName: TABLE.userSessionsIndex,
          partitionKey: { name: TABLE.indexPartitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE.indexSortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
    });
  }

  /** Routes one row of the route table to its function, with exactly the grants the row names. */
  private addRoute(route: Route, fn: RouteFunction): void {
    fn.grantTable(this.table, route.table);
    if (route.keys.includes('refresh')) fn.grantSecretValue(this.signingKey);
    if (route.keys.includes('signing')) fn.grantSecretValue(this.accessTokenKeys);
    if (route.keys.includes('public')) fn.grantSecretValue(this.publicKeys);
    const integration = new HttpLambdaIntegration(`${functionId(route.handler)}Integration`, fn);
    [this.routes[route.handler]] = this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration,
    });
    // A public route of the auth API, and API Gateway's permission to invoke it (README "Compliance").
    acknowledgeControl(this.routes[route.handler], 'routeAuthorization');
  }

  /**
   * A route of your own behind one of the two authorizers, served by its own function (bundled from
   * `route.entry`, with a role that may do nothing but write its logs: grant it what it needs).
   */
  addProtectedRoute(route: ProtectedRoute): RouteFunction {
    const fn = new RouteFunction(this, functionId(route.name), {
      handler: route.name,
      entry: route.entry,
      description: `${route.method} ${route.path} (${route.authorizer} authorizer)`,
      memorySize: DEFAULT_SIZING.memorySize,
      timeout: Duration.seconds(DEFAULT_SIZING.timeoutSeconds),
      environment: COMMON_ENVIRONMENT,
      ...this.functionDefaults,
    });
    this.functions[route.name] = fn;
    this.monitoring?.watchFunction(route.name, fn);
    const jwt: IHttpRouteAuthorizer = {
      bind: () => ({ authorizationType: 'JWT', authorizerId: this.jwtAuthorizer.ref }),
    };
    this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${functionId(route.name)}Integration`, fn),
      authorizer: route.authorizer === 'jwt' ? jwt : this.sessionAuthorizer,
    });
    return fn;
  }

  /**
   * API Gateway fetches the issuer's discovery document when it creates a JWT authorizer
   * (aws/aws-cdk#28061), and this API is its own issuer: so the authorizer is an L1 resource that
   * depends on the stage, both discovery routes (their integrations and invoke permissions come
   * with the routes and functions) and the first key set.
   */
  private makeJwtAuthorizer(): CfnAuthorizer {
    const authorizer = new CfnAuthorizer(this, 'JwtAuthorizer', {
      apiId: this.api.apiId,
      authorizerType: 'JWT',
      name: 'jwt',
      identitySource: ['$request.header.Authorization'],
      jwtConfiguration: { issuer: this.issuer(), audience: [audienceFrom({})] },
    });
    authorizer.node.addDependency(
      this.stage,
      this.routes['openid-configuration'],
      this.routes.jwks,
      this.functions['openid-configuration'],
      this.functions.jwks,
      this.initialKeys,
    );
    return authorizer;
  }

  /**
   * The key set's two secrets, and the function that makes the first set at deploy time (a custom
   * resource: Secrets Manager's own first rotation is asynchronous, so a stack could finish before
   * its keys exist) and rotates it on schedule afterwards.
   */
  private keySet(
    props: AuthApiProps,
    makeFunction: (handler: string, description: string, env: Record<string, string>) => RouteFunction,
  ): { accessTokenKeys: Secret; publicKeys: Secret; initial: CustomResource } {
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // Both start as a random placeholder, which is no key set: the custom resource replaces it.
    const accessTokenKeys = new Secret(this, 'AccessTokenKeys', {
      description: 'Private RSA keys (previous, current, next) that sign the auth API access tokens',
      removalPolicy,
    });
    const publicKeys = new Secret(this, 'PublicKeys', {
      description: 'The published halves of the access-token signing keys (JWKS), written before each rotation',
      removalPolicy,
    });
    Validations.of(publicKeys).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not a secret of its own: the public copy of AccessTokenKeys (a JWKS document), rewritten by that ' +
        "secret's rotation function before every rotation. Rotating it separately would unpublish live keys.",
    });
    const fn = makeFunction('signing-keys', 'Makes and rotates the access-token signing keys', {
      ...COMMON_ENVIRONMENT,
      SIGNING_KEYS_ARN: accessTokenKeys.secretArn,
      PUBLIC_KEYS_ARN: publicKeys.secretArn,
    });
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [publicKeys.secretArn] }),
    );
    accessTokenKeys.addRotationSchedule('Rotation', {
      rotationLambda: fn,
      automaticallyAfter: Duration.days(props.signingKeyRotationDays ?? 30),
      // The custom resource makes the first set synchronously; an immediate rotation would race it.
      rotateImmediatelyOnUpdate: false,
    });
    // RotationSchedule lets Secrets Manager invoke the function for any secret; only ours may (a plain Ref,
    // which AWS Control Tower's CT.LAMBDA.PR.2 accepts).
    for (const child of fn.node.children) {
      if (child instanceof CfnPermission && child.principal === 'secretsmanager.amazonaws.com') {
        child.sourceArn = accessTokenKeys.secretArn;
      }
    }
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "CDK's RotationSchedule grants secretsmanager:GetRandomPassword, which has no resource-level form (it " +
        'must be "*" and reads no secret); every other action of this role names its two secrets.',
    });
    const initial = new CustomResource(this, 'InitialSigningKeys', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::SigningKeySet',
      properties: { AccessTokenKeys: accessTokenKeys.secretArn, PublicKeys: publicKeys.secretArn },
    });
    // Its grants must exist before CloudFormation runs it.
    initial.node.addDependency(fn.role!);
    return { accessTokenKeys, publicKeys, initial };
  }

  /**
   * The issuer of every token: the API's URL as clients reach it, its custom domain when it has one,
   * else its own endpoint (lazily: the API is made after the functions).
   */
  private issuer(): string {
    return this.customDomainUrl ?? Lazy.string({ produce: () => this.api.apiEndpoint });
  }

  /** Where a function finds the keys it may read (and, for sam local, the variables that stand in for them). */
  private keyEnvironment(keys: readonly KeyAccess[], props: AuthApiProps): Record<string, string> {
    const env: Record<string, string> = {};
    if (keys.includes('refresh')) env.JWT_SECRET_ARN = this.signingKey.secretArn;
    if (keys.includes('signing')) env.SIGNING_KEYS_ARN = this.accessTokenKeys.secretArn;
    if (keys.includes('public')) env.PUBLIC_KEYS_ARN = this.publicKeys.secretArn;
    if (props.samLocal && keys.includes('refresh')) env.JWT_SECRET = '';
    if (props.samLocal && (keys.includes('signing') || keys.includes('public'))) env.SIGNING_KEYS = '';
    return env;
  }

  /** The account settings, only those given (functions/core/config.ts gives the defaults). */
  private accountEnvironment(props: AuthApiProps): Record<string, string> {
    const env: Record<string, string | undefined> = {
      EMAIL_FROM: props.emailFrom,
      PASSWORD_RESET_URL: props.passwordResetUrl,
      EMAIL_VERIFY_URL: props.emailVerifyUrl,
      ALLOW_SIGNUP: props.allowSignup === undefined ? undefined : String(props.allowSignup),
      REQUIRE_EMAIL_VERIFICATION:
        props.requireEmailVerification === undefined ? undefined : String(props.requireEmailVerification),
      SIGNUP_IP_MAX_PER_HOUR: props.signupIpMaxPerHour === undefined ? undefined : String(props.signupIpMaxPerHour),
    };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  }

  /** The session routes' environment (their configuration, read and validated at init: functions/core/config.ts). */
  private environment(props: AuthApiProps): Record<string, string> {
    const environment: Record<string, string> = {
      TABLE_NAME: this.table.tableName,
      TOKEN_ISSUER: this.issuer(),
      DEFAULT_CLIENT_ID: props.defaultClientId ?? 'web',
      ACCESS_TOKEN_TTL_SECONDS: String(props.accessTokenTtlSeconds ?? 900),
      REFRESH_TOKEN_TTL_SECONDS: String(props.refreshTokenTtlSeconds ?? 604800),
      SESSION_MAX_SECONDS: String(props.sessionMaxSeconds ?? 2592000),
      REFRESH_REUSE_GRACE_SECONDS: String(props.refreshReuseGraceSeconds ?? 10),
      MAX_SESSIONS_PER_USER: String(props.maxSessionsPerUser ?? 20),
      ALLOWED_ORIGINS: (props.allowedOrigins ?? []).join(','),
      COOKIE_PATH: props.cookiePath ?? '/auth',
      COOKIE_SAMESITE: props.cookieSameSite ?? 'Lax',
      COOKIE_SECURE: String(props.cookieSecure ?? true),
      BCRYPT_COST: String(props.bcryptCost ?? 10),
      LOGIN_MAX_FAILURES: String(props.loginMaxFailures ?? 5),
      LOGIN_LOCK_BASE_SECONDS: String(props.loginLockBaseSeconds ?? 1),
      LOGIN_LOCK_MAX_SECONDS: String(props.loginLockMaxSeconds ?? 900),
      LOGIN_FAILURE_WINDOW_SECONDS: String(props.loginFailureWindowSeconds ?? 900),
      LOGIN_IP_MAX_FAILURES: String(props.loginIpMaxFailures ?? 100),
      ...this.accountEnvironment(props),
      // Stack traces of 500s point at the TypeScript source, not the minified bundle.
      ...COMMON_ENVIRONMENT,
      // Declared only for `sam local invoke --env-vars`, which overrides only variables a template
      // declares; a deployed template has none (and functions/core/config.ts refuses them there).
      ...(props.samLocal ? { DYNAMODB_ENDPOINT: '' } : {}),
      // Bounded so a store outage becomes a 503 well inside the function timeout.
      DYNAMODB_MAX_ATTEMPTS: '3',
      DYNAMODB_CONNECT_TIMEOUT_MS: '500',
      DYNAMODB_REQUEST_TIMEOUT_MS: '1000',
    };
    // The handlers validate this at init; doing it at synth too turns a typo into a failed synth, not
    // a failed deploy. The message names the setting as the user wrote it (prop and context key alike).
    try {
      loadConfig({ ...environment, TABLE_NAME: 'synth-check', JWT_SECRET_ARN: 'synth-check', TOKEN_ISSUER: 'x' });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const message = Object.entries(SETTING_OF).reduce((m, [env, key]) => m.replaceAll(env, key), err.message);
      throw new Error(message.replace(/^Configuration error: /, ''));
    }
    return environment;
  }
}

/**
 * The log groups' KMS key (the encryptLogs context): rotated yearly, and usable by CloudWatch Logs
 * for this account's log groups in this region only (the key policy CloudWatch Logs documents).
 */
function logsKey(scope: Construct, removalPolicy: RemovalPolicy): Key {
  const key = compliantKey(scope, 'LogsKey', 'Encrypts the auth API log groups', removalPolicy);
  const { region, account, partition } = Stack.of(scope);
  key.addToResourcePolicy(
    new PolicyStatement({
      principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
      },
    }),
  );
  return key;
}

/**
 * API Gateway's permissions to invoke the API's functions: `SourceAccount` as a literal when the
 * stack's account is known (CT.LAMBDA.PR.2 then passes), else the control acknowledged with why.
 */
class InvokePermissionsNameTheAccount implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnPermission) || node.principal !== 'apigateway.amazonaws.com') return;
    const { account } = Stack.of(node);
    if (!Token.isUnresolved(account)) node.sourceAccount ??= account;
    else acknowledgeControl(node, 'lambdaPolicy');
  }
}
