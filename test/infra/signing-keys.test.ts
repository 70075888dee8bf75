import { routes } from '../../functions/routes';
import { ACCOUNTS, inspect, synth } from '../support/synth';

// The access-token key set in the template (docs/architecture.md "Signing keys").
const { template, resources } = synth(ACCOUNTS);
const { ofType, fnLogicalId, actionsOf } = inspect(resources);

describe('AuthStack: the access-token signing keys', () => {
  const secretId = (prefix: string) => ofType('AWS::SecretsManager::Secret').find(([id]) => id.startsWith(prefix))![0];
  const statementsOf = (handler: string) => {
    const roleRef = resources[fnLogicalId(handler)].Properties.Role['Fn::GetAtt'][0];
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };
  const secretsReadBy = (handler: string) =>
    statementsOf(handler)
      .filter((s: { Action: string | string[] }) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
      .map((s: { Resource: { Ref: string } }) => s.Resource.Ref)
      .sort();

  test('keep the private set and its public copy in two secrets with no key material in the template', () => {
    for (const prefix of ['AccessTokenKeys', 'PublicKeys']) {
      const secret = resources[secretId(prefix)];
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.DeletionPolicy).toBe('Retain');
    }
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"kty"|BEGIN PRIVATE KEY|"d":/);
  });

  test('rotate on a schedule (30 days by default, not at deploy) through the signing-keys function', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: secretId('AccessTokenKeys') },
      RotationLambdaARN: { 'Fn::GetAtt': [fnLogicalId('signing-keys'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    const { resources: r } = synth({ signingKeyRotationDays: '7' });
    const schedule = Object.values(r).find((x) => x.Type === 'AWS::SecretsManager::RotationSchedule')!;
    expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(7 days)' });
  });

  test('make the first set at deploy time with a custom resource that runs after its grants exist', () => {
    const [, custom] = ofType('Custom::SigningKeySet')[0];
    expect(custom.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [fnLogicalId('signing-keys'), 'Arn'] });
    const policy = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('SigningKeysFunctionRoleDefaultPolicy'))![0];
    expect((custom as { DependsOn?: string[] }).DependsOn).toEqual(expect.arrayContaining([policy]));
  });

  test("the rotation function's grants: its two secrets only, and GetRandomPassword (no resource form) on *", () => {
    const statements = statementsOf('signing-keys');
    const secretActions = statements.filter((s: { Action: string | string[] }) =>
      [s.Action].flat().some((a) => a.startsWith('secretsmanager:') && a !== 'secretsmanager:GetRandomPassword'),
    );
    const refs = new Set(secretActions.map((s: { Resource: { Ref: string } }) => s.Resource.Ref));
    expect([...refs].sort()).toEqual([secretId('AccessTokenKeys'), secretId('PublicKeys')].sort());
    const wildcard = statements.filter((s: { Resource: unknown }) => s.Resource === '*');
    expect(wildcard.map((s: { Action: unknown }) => s.Action)).toEqual(['secretsmanager:GetRandomPassword']);
    expect(actionsOf('signing-keys').filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  test('only Secrets Manager, for this secret, may invoke the rotation function (SourceArn a plain Ref)', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'secretsmanager.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0][1].Properties.SourceArn).toEqual({ Ref: secretId('AccessTokenKeys') });
  });

  test('verify-only functions read the public copy and never the private set; only login and refresh sign', () => {
    const priv = secretId('AccessTokenKeys');
    const pub = secretId('PublicKeys');
    const refresh = secretId('SigningKey');
    expect(secretsReadBy('token')).toEqual([priv, refresh].sort());
    expect(secretsReadBy('refresh')).toEqual([priv, refresh].sort());
    for (const handler of ['me', 'sessions', 'session-delete', 'jwks']) expect(secretsReadBy(handler)).toEqual([pub]);
    for (const handler of ['logout', 'logout-all']) expect(secretsReadBy(handler)).toEqual([pub, refresh].sort());
    expect(secretsReadBy('openid-configuration')).toEqual([]);
    expect(secretsReadBy('oauth2-metadata')).toEqual([]);
    for (const handler of ['openid-configuration', 'oauth2-metadata', 'jwks']) {
      expect(actionsOf(handler).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
      expect(resources[fnLogicalId(handler)].Properties.Environment.Variables.TABLE_NAME).toBeUndefined();
    }
  });

  test('every function puts the API endpoint in tokens as issuer (no cycle: the API does not need them)', () => {
    const apiId = ofType('AWS::ApiGatewayV2::Api')[0][0];
    const issuer = { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] };
    for (const route of routes) {
      if (route.name === 'jwks') continue;
      expect(resources[fnLogicalId(route.name)].Properties.Environment.Variables.TOKEN_ISSUER).toEqual(issuer);
    }
  });

  test('a template for sam local declares the override variables, empty', () => {
    const { resources: r } = synth({ samLocal: 'true' });
    const fn = Object.entries(r).find(
      ([id, x]) => id.startsWith('TokenFunction') && x.Type === 'AWS::Lambda::Function',
    )![1];
    expect(fn.Properties.Environment.Variables).toMatchObject({
      DYNAMODB_ENDPOINT: '',
      JWT_SECRET: '',
      SIGNING_KEYS: '',
    });
  });
});
