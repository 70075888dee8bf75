import { Duration } from 'aws-cdk-lib';
import { CfnAuthorizer, type HttpApi, HttpMethod, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IDependable } from 'constructs';
import type { Construct } from 'constructs';
import { audienceFrom } from '../functions/core/config';
import { type ProtectedRoute, SESSION_AUTHORIZER_TABLE_ACCESS } from '../functions/routes';
import type { FunctionFactory } from './function-factory';
import { type RouteFunction, functionId } from './route-function';

/**
 * The session authorizer of a team's own routes: a Lambda that checks the token's session like
 * /users/me (so a revocation takes effect at once), reading only the session and user items and the
 * published keys (docs/protecting-your-api.md).
 */
export function sessionAuthorizer(
  functions: FunctionFactory,
  {
    environment,
    table,
    publicKeys,
    cacheSeconds,
  }: { environment: Record<string, string>; table: ITableV2; publicKeys: ISecret; cacheSeconds?: number },
): HttpLambdaAuthorizer {
  const fn = functions.make('session-authorizer', 'Session authorizer for protected routes', environment);
  fn.grantTable(table, SESSION_AUTHORIZER_TABLE_ACCESS);
  fn.grantSecretValue(publicKeys);
  return new HttpLambdaAuthorizer('SessionAuthorizer', fn, {
    authorizerName: 'session',
    responseTypes: [HttpLambdaResponseType.SIMPLE],
    identitySource: ['$request.header.Authorization'],
    // CDK's default is 5 minutes, which would let a logged-out token through for that long.
    resultsCacheTtl: Duration.seconds(cacheSeconds ?? 0),
  });
}

/**
 * API Gateway's JWT authorizer for this API's access tokens. API Gateway fetches the issuer's
 * discovery document when it creates one (aws/aws-cdk#28061), and this API is its own issuer: so the
 * authorizer is an L1 resource that waits for `discovery` (the stage, both discovery routes, their
 * functions, with their integrations and invoke permissions, and the first key set).
 */
export function jwtAuthorizer(
  scope: Construct,
  { api, issuer, discovery }: { api: HttpApi; issuer: string; discovery: IDependable[] },
): CfnAuthorizer {
  const authorizer = new CfnAuthorizer(scope, 'JwtAuthorizer', {
    apiId: api.apiId,
    authorizerType: 'JWT',
    name: 'jwt',
    identitySource: ['$request.header.Authorization'],
    jwtConfiguration: { issuer, audience: [audienceFrom({})] },
  });
  authorizer.node.addDependency(...discovery);
  return authorizer;
}

/** A team's own route, served by its own function, behind the JWT or the session authorizer. */
export function protectedRoute(
  route: ProtectedRoute,
  fn: RouteFunction,
  { api, jwt, session }: { api: HttpApi; jwt?: CfnAuthorizer; session: HttpLambdaAuthorizer },
): void {
  if (route.authorizer === 'jwt' && !jwt) throw new Error(`${route.path}: no JWT authorizer in this deployment`);
  const jwtAuthorizer: IHttpRouteAuthorizer = {
    bind: () => ({ authorizationType: 'JWT', authorizerId: jwt!.ref }),
  };
  api.addRoutes({
    path: route.path,
    methods: [HttpMethod[route.method]],
    integration: new HttpLambdaIntegration(`${functionId(route.name)}Integration`, fn),
    authorizer: route.authorizer === 'jwt' ? jwtAuthorizer : session,
  });
}
