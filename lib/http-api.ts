import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Route } from '../functions/routes';
import type { AuthApiProps } from './auth-api-props';
import { acknowledgeControl } from './compliance';
import { type RouteFunction, acknowledgeLogSettings, functionId } from './route-function';

/** The stage's access logs: kept as long as the functions' logs, encrypted with the same key. */
export function accessLogGroup(scope: Construct, settings: { logRetention: RetentionDays; logsKey?: IKey }): LogGroup {
  const logs = new LogGroup(scope, 'ApiAccessLogs', {
    retention: settings.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
    encryptionKey: settings.logsKey,
  });
  acknowledgeLogSettings(logs, settings);
  return logs;
}

/**
 * The HTTP API: every request no route matches goes to the catch-all (404/405), and only listed
 * origins get CORS, with credentials (docs/http-contract.md "CORS").
 */
export function httpApi(
  scope: Construct,
  {
    fallback,
    origins,
    disableExecuteApiEndpoint,
  }: { fallback: RouteFunction; origins: string[]; disableExecuteApiEndpoint: boolean },
): HttpApi {
  const api = new HttpApi(scope, 'HttpApi', {
    description: 'Password login, refresh-token sessions and logout',
    createDefaultStage: false,
    disableExecuteApiEndpoint,
    defaultIntegration: new HttpLambdaIntegration('FallbackIntegration', fallback),
    // API Gateway answers the listed origins' preflight itself.
    ...(origins.length > 0
      ? {
          corsPreflight: {
            allowOrigins: origins,
            allowCredentials: true,
            allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
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
  acknowledgeControl(api.node.findChild('DefaultRoute'), 'routeAuthorization');
  return api;
}

/**
 * The routes that check a password or a second factor (by route name): each has the login throttle of
 * its own. A code guess is a password guess (docs/mfa.md).
 */
export const LOGIN_THROTTLED_ROUTES = [
  'token',
  'oauth2-token',
  'password-change',
  'mfa-verify',
  'mfa-totp-disable',
  // The passkey login: options writes an item per call, verify takes the IP's places (docs/passkeys.md).
  'passkeys-login-options',
  'passkeys-login-verify',
];

/** The API Gateway route of one row of the route table, integrated with its function. */
export function addRoute(api: HttpApi, route: Route, fn: RouteFunction): HttpRoute {
  const integration = new HttpLambdaIntegration(`${functionId(route.name)}Integration`, fn);
  const [added] = api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
  // A public route of the auth API, and API Gateway's permission to invoke it (docs/compliance.md).
  acknowledgeControl(added, 'routeAuthorization');
  return added;
}

/** Why the API's own routes have no API Gateway authorizer (cdk-nag's APIG4). */
export function acknowledgeOwnRoutes(api: HttpApi): void {
  Validations.of(api).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'These routes are the authentication API itself: login and refresh must be reachable without a token, and ' +
      'the protected routes verify the JWT and its session in the function (an API Gateway JWT authorizer could ' +
      'not check revocation).',
  });
}

/**
 * The `$default` stage (no prefix in paths): throttled, with per-route metrics when monitored and
 * JSON access logs that hold no header, cookie or query string (tokens travel in those); each login
 * route with a throttle of its own below the stage's.
 */
export function stage(
  scope: Construct,
  {
    api,
    accessLogs,
    props,
    loginRoutes,
  }: { api: HttpApi; accessLogs: LogGroup; props: AuthApiProps; loginRoutes: { key: string; route: HttpRoute }[] },
): HttpStage {
  const stage = new HttpStage(scope, 'DefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
    // Per-route metrics (latency, errors): what the per-route latency alarms watch.
    detailedMetricsEnabled: props.monitoring !== false,
    accessLogSettings: {
      destination: new LogGroupLogDestination(accessLogs),
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

  // The password-checking routes' own throttle. API Gateway resolves RouteSettings by route key when
  // it updates the stage, so the stage must wait for the routes ("Unable to find Route by key" otherwise).
  const login = props.loginThrottle ?? { rateLimit: 20, burstLimit: 40 };
  const cfnStage = stage.node.defaultChild as CfnStage;
  // RouteSettings is free-form JSON in the L1: CloudFormation's own (PascalCase) names. Each route
  // that checks a password or a code (the cookie login, the OAuth token endpoint, the password change,
  // the MFA step, turning TOTP off) gets the limit of its own: five times the limit in all.
  const limit = { ThrottlingRateLimit: login.rateLimit, ThrottlingBurstLimit: login.burstLimit };
  cfnStage.routeSettings = Object.fromEntries(loginRoutes.map(({ key }) => [key, limit]));
  cfnStage.node.addDependency(...loginRoutes.map(({ route }) => route));
  return stage;
}
