import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuthApi } from '../../lib/auth-api';
import { testApp } from '../support/synth';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, asserted by shape
type Resources = Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;

/** A team's own stack: the construct, and one route of theirs behind each authorizer. */
function teamStack() {
  const app = testApp();
  const stack = new Stack(app, 'TeamStack');
  const auth = new AuthApi(stack, 'Auth', { sessionAuthorizerCacheSeconds: 0 });
  auth.addProtectedRoute({
    name: 'orders',
    method: 'GET',
    path: '/orders',
    entry: 'functions/examples/whoami.ts',
    authorizer: 'jwt',
  });
  auth.addProtectedRoute({
    name: 'payments',
    method: 'POST',
    path: '/payments',
    entry: 'functions/examples/whoami.ts',
    authorizer: 'session',
  });
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  return { stack, auth, nag, resources };
}

const { stack, nag, resources } = teamStack();
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const idOf = (type: string, prefix: string) => ofType(type).find(([id]) => id.startsWith(prefix))![0];

describe('AuthApi in a team stack, with a route behind each authorizer', () => {
  test('synthesizes cdk-nag AwsSolutions clean', () => {
    const report = nag.validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  test('puts each route behind its authorizer', () => {
    const routes = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties]),
    );
    const jwt = idOf('AWS::ApiGatewayV2::Authorizer', 'AuthJwtAuthorizer');
    expect(routes['GET /orders']).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: jwt } });
    expect(routes['POST /payments']).toMatchObject({ AuthorizationType: 'CUSTOM' });
    expect(routes['GET /users/me'].AuthorizationType ?? 'NONE').toBe('NONE');
  });

  test("the JWT authorizer's issuer is the functions' token issuer, and it waits for discovery and keys", () => {
    const [jwtId, jwt] = ofType('AWS::ApiGatewayV2::Authorizer').find(
      ([, a]) => a.Properties.AuthorizerType === 'JWT',
    )!;
    const token = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('AuthTokenFunction'))![1];
    expect(jwt.Properties.JwtConfiguration).toEqual({
      Issuer: token.Properties.Environment.Variables.TOKEN_ISSUER,
      Audience: ['serverless-auth-api'],
    });
    const routeId = (key: string) =>
      ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === key)![0];
    expect(resources[jwtId].DependsOn).toEqual(
      expect.arrayContaining([
        routeId('GET /.well-known/openid-configuration'),
        routeId('GET /.well-known/jwks.json'),
        idOf('AWS::ApiGatewayV2::Stage', 'AuthDefaultStage'),
        idOf('Custom::SigningKeySet', 'AuthInitialSigningKeys'),
        idOf('AWS::Lambda::Function', 'AuthOpenidConfigurationFunction'),
        idOf('AWS::Lambda::Function', 'AuthJwksFunction'),
      ]),
    );
    // The discovery routes' invoke permissions are part of their functions' constructs.
    const permission = ofType('AWS::Lambda::Permission').find(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes('AuthJwksFunction'),
    )!;
    expect(resources[jwtId].DependsOn).toContain(permission[0]);
  });

  test('the session authorizer: simple responses, Authorization header, no cache, read-only, public keys only', () => {
    const [, lambda] = ofType('AWS::ApiGatewayV2::Authorizer').find(
      ([, a]) => a.Properties.AuthorizerType === 'REQUEST',
    )!;
    expect(lambda.Properties).toMatchObject({
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 0,
    });
    const fn = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('AuthSessionAuthorizerFunction'))![1];
    const roleRef = fn.Properties.Role['Fn::GetAtt'][0];
    const actions = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .flatMap((s: { Action: string | string[]; Resource: unknown }) =>
        [s.Action].flat().map((a) => ({ action: a, resource: s.Resource })),
      );
    expect(actions.map((a) => a.action).sort()).toEqual(
      ['dynamodb:BatchGetItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue'].sort(),
    );
    const secret = actions.find((a) => a.action === 'secretsmanager:GetSecretValue')!.resource;
    expect(secret).toEqual({ Ref: idOf('AWS::SecretsManager::Secret', 'AuthPublicKeys') });
  });

  test("the team's functions may only write their logs until they grant themselves more", () => {
    const fn = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('AuthOrdersFunction'))![1];
    const roleRef = fn.Properties.Role['Fn::GetAtt'][0];
    const actions = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });
});
