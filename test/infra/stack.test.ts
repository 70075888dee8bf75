import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { CONTROL_TOWER } from '../../lib/compliance';
import { functionId } from '../../lib/route-function';
import { protectedRoutes } from '../../functions/protected-routes';
import {
  MAIL_WORKER_TABLE_ACCESS,
  SESSION_AUTHORIZER_TABLE_ACCESS,
  fallbackHandler,
  matchRoute,
  routes,
} from '../../functions/routes';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, asserted by shape
type Resources = Record<string, { Type: string; Properties: any; Metadata?: any; DeletionPolicy?: string }>;

function synth(context: Record<string, string> = {}, { bundle = true } = {}) {
  const app = new App({
    context: {
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:enable-path-metadata': true,
      // No stack bundled: for tests about resources other than the functions' code (much faster).
      ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
  const built = buildApp(app);
  const template = Template.fromStack(built.stack);
  return { ...built, template, resources: template.toJSON().Resources as Resources };
}

/** Every feature on, so that every route is deployed (the defaults are tested on their own below). */
const ACCOUNTS = {
  emailFrom: 'no-reply@example.com',
  passwordResetUrl: 'https://app.example.com/reset-password',
  allowSignup: 'true',
  emailVerifyUrl: 'https://app.example.com/verify-email',
};
const { app, stack, nag, template, resources } = synth(ACCOUNTS);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/**
 * Every function: one per route, the catch-all, the signing keys', the session authorizer, the mail
 * worker, the example routes.
 */
const handlers = [
  ...routes.map((r) => r.name),
  fallbackHandler,
  'signing-keys',
  'session-authorizer',
  'mail-worker',
  ...protectedRoutes.map((r) => r.name),
];
const fnLogicalId = (handler: string) => {
  const found = ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith(functionId(handler)));
  expect(found).toHaveLength(1);
  return found[0][0];
};

/** All IAM actions granted to the role of a handler's function. */
function actionsOf(handler: string): string[] {
  const roleRef = resources[fnLogicalId(handler)].Properties.Role['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
    .flatMap(([, p]) =>
      p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()),
    );
}

/** The DynamoDB statements of a function's role: actions and the LeadingKeys patterns they are bound to. */
function dynamoStatementsOf(handler: string): { actions: string[]; prefixes: string[] }[] {
  const roleRef = resources[fnLogicalId(handler)].Properties.Role['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
    .filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')))
    .map((s: { Action: string | string[]; Condition: Record<string, Record<string, string | string[]>> }) => ({
      actions: [s.Action].flat(),
      prefixes: [s.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys']].flat(),
    }));
}

describe('AuthStack', () => {
  test('keeps the logical ids of the resources a replacement would hurt (data, the API URL, the audit trail)', () => {
    // Pinned as the first release deployed them: a changed id makes CloudFormation replace the
    // resource, which would lose the table or the key (data), change the API's URL, or delete a log group.
    const pinned = {
      'AWS::DynamoDB::GlobalTable': ['TableCD117FA1'],
      'AWS::SecretsManager::Secret': ['SigningKeyEEFC2790'],
      'AWS::ApiGatewayV2::Api': ['HttpApiF5A9A8A7'],
      'AWS::ApiGatewayV2::Stage': ['DefaultStageEE28A986'],
      'AWS::Logs::LogGroup': [
        'ApiAccessLogsE9DF007D',
        'LogoutAllFunctionLogsAFD1AF77',
        'LogoutFunctionLogs7C65F56C',
        'MeFunctionLogs5E80E207',
        'NotFoundFunctionLogs00A6CB4A',
        'RefreshFunctionLogs1F7F664C',
        'SessionDeleteFunctionLogs52E0F0E4',
        'SessionsFunctionLogs7E9D525A',
        'TokenFunctionLogsADD56B1D',
      ],
    };
    for (const [type, ids] of Object.entries(pinned)) {
      expect([type, ofType(type).map(([id]) => id)]).toEqual([type, expect.arrayContaining(ids)]);
    }
  });

  test('makes one function per route plus the catch-all, each Node.js 24 on arm64, bundled and minified', () => {
    expect(ofType('AWS::Lambda::Function')).toHaveLength(handlers.length);
    for (const handler of handlers) {
      const fn = resources[fnLogicalId(handler)].Properties;
      expect([handler, fn.Runtime, fn.Architectures]).toEqual([handler, 'nodejs24.x', ['arm64']]);
      expect(fn.Handler).toBe('index.handler');
      expect(fn.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
      expect(fn.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  test('routes each path of functions/routes.ts to its own function, and everything else to the catch-all', () => {
    const integrationTarget = (integrationRef: string) => {
      const uri = resources[integrationRef].Properties.IntegrationUri;
      return uri['Fn::GetAtt'][0] as string;
    };
    const apiRoutes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => ({
      key: r.Properties.RouteKey as string,
      fn: integrationTarget(r.Properties.Target['Fn::Join'][1][1].Ref),
    }));
    const declared = [...routes, ...protectedRoutes].map((r) => `${r.method} ${r.path}`);
    expect(apiRoutes.map((r) => r.key).sort()).toEqual([...declared, '$default'].sort());
    const targets = new Set(apiRoutes.map((r) => r.fn));
    expect(targets.size).toBe(apiRoutes.length);
    for (const { key, fn } of apiRoutes) {
      if (key === '$default') {
        expect(fn).toBe(fnLogicalId(fallbackHandler));
        continue;
      }
      // The dev server resolves the same method and path to the same handler.
      const [method, path] = key.split(' ');
      const own = protectedRoutes.find((r) => r.method === method && r.path === path);
      expect(fn).toBe(fnLogicalId(own ? own.name : matchRoute(method, path).route!.name));
    }
  });

  test('has one on-demand table with pk/sk, TTL on expiresAt, the sessions GSI, PITR, kept on delete', () => {
    const tables = ofType('AWS::DynamoDB::GlobalTable');
    expect(tables).toHaveLength(1);
    const [, table] = tables[0];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
        },
      ],
      Replicas: [
        expect.objectContaining({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  test('lets a throwaway stack destroy its table with -c destroyOnRemoval=true', () => {
    const { resources: r } = synth({ destroyOnRemoval: 'true' });
    const [, table] = Object.entries(r).find(([, x]) => x.Type === 'AWS::DynamoDB::GlobalTable')!;
    expect(table.DeletionPolicy).toBe('Delete');
  });

  test('generates the refresh-token secret at deploy time and passes its ARN only to the routes that need it', () => {
    const [secretId, secret] = ofType('AWS::SecretsManager::Secret').find(([id]) => id.startsWith('SigningKey'))!;
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
    expect(secret.Properties.SecretString).toBeUndefined();
    for (const route of routes) {
      const vars = resources[fnLogicalId(route.name)].Properties.Environment.Variables;
      const needs = route.keys.includes('refresh');
      expect([route.name, vars.JWT_SECRET_ARN]).toEqual([route.name, needs ? { Ref: secretId } : undefined]);
      // The local override variables exist only in a template synthesized for sam local (-c samLocal=true).
      expect([vars.JWT_SECRET, vars.SIGNING_KEYS, vars.DYNAMODB_ENDPOINT]).toEqual([undefined, undefined, undefined]);
    }
    expect(actionsOf(fallbackHandler)).not.toContain('secretsmanager:GetSecretValue');
  });

  test('grants each function exactly the DynamoDB actions of its route, each on the item kinds the route names', () => {
    for (const handler of handlers) {
      // The session authorizer reads a session and its user, like /users/me; nothing else outside the route table.
      const access =
        routes.find((r) => r.name === handler)?.table ??
        { 'session-authorizer': SESSION_AUTHORIZER_TABLE_ACCESS, 'mail-worker': MAIL_WORKER_TABLE_ACCESS }[handler] ??
        {};
      const granted = dynamoStatementsOf(handler);
      // Every (action, key prefix) pair granted is one the route table names, and the other way round.
      const pairs = (list: [string, readonly string[]][]) =>
        list.flatMap(([action, prefixes]) => prefixes.map((p) => `${action} ${p}`)).sort();
      expect([
        handler,
        pairs(granted.flatMap((s) => s.actions.map((a) => [a, s.prefixes] as [string, string[]]))),
      ]).toEqual([handler, pairs(Object.entries(access).map(([a, p]) => [`dynamodb:${a}`, p.map((x) => `${x}*`)]))]);
    }
    expect(actionsOf('me').filter((a) => a.startsWith('dynamodb:') && /Put|Update|Delete|Write/.test(a))).toEqual([]);
    // The login may update a user item (rehash on login) but never put or delete one.
    const login = dynamoStatementsOf('token');
    for (const s of login.filter((x) => x.prefixes.includes('USER#*')))
      expect(s.actions.filter((a) => /PutItem|DeleteItem/.test(a))).toEqual([]);
    const all = ofType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    for (const s of all) {
      expect([s.Action].flat()).not.toContain('dynamodb:*');
      expect([s.Action].flat()).not.toContain('dynamodb:Scan');
      const actions = [s.Action].flat() as string[];
      if (!actions.some((a) => a.startsWith('dynamodb:'))) continue;
      // No DynamoDB grant without a LeadingKeys condition on every key of the request.
      expect(Object.keys(s.Condition)).toEqual(['ForAllValues:StringLike']);
      expect(Object.keys(s.Condition['ForAllValues:StringLike'])).toEqual(['dynamodb:LeadingKeys']);
      if (actions.includes('dynamodb:Query')) {
        // Query only on the sessions index, never the table
        expect(actions).toEqual(['dynamodb:Query']);
        expect(s.Resource).toEqual({
          'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Table/), 'Arn'] }, '/index/gsi1']],
        });
      } else expect(s.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Table/), 'Arn'] });
    }
    expect(ofType('AWS::IAM::Role').every(([, r]) => r.Properties.ManagedPolicyArns === undefined)).toBe(true);
  });

  test('keeps every log group for 30 days', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups).toHaveLength(handlers.length + 1);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(30);
  });

  test('writes JSON access logs without cookies, headers or query strings, and throttles the stage', () => {
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0];
    expect(stage.Properties.StageName).toBe('$default');
    expect(stage.Properties.AutoDeploy).toBe(true);
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
      // Per-route latency and errors, for the alarms (test/infra/monitoring.test.ts).
      DetailedMetricsEnabled: true,
    });
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      routeKey: '$context.routeKey',
    });
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/cookie|authorization|header|querystring/i);
  });

  test('gives each login route its own throttle below the stage, declared after the routes exist', () => {
    const [stageId, stage] = ofType('AWS::ApiGatewayV2::Stage')[0];
    expect(stage.Properties.RouteSettings).toEqual({
      'POST /auth/token': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      'POST /oauth2/token': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    for (const key of ['POST /auth/token', 'POST /oauth2/token']) {
      const route = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === key)![0];
      expect((resources[stageId] as { DependsOn?: string[] }).DependsOn).toContain(route);
    }
    const { resources: r } = synth({ loginThrottleRateLimit: '5', loginThrottleBurstLimit: '10' });
    const custom = Object.values(r).find((x) => x.Type === 'AWS::ApiGatewayV2::Stage')!;
    expect(custom.Properties.RouteSettings['POST /oauth2/token']).toEqual({
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: 10,
    });
  });

  test('takes throttling, origins and cookie settings from context, with CORS for listed origins only', () => {
    const { template: t, resources: r } = synth({
      throttleRateLimit: '10',
      throttleBurstLimit: '20',
      allowedOrigins: 'https://app.example.com',
      cookieSameSite: 'None',
      loginMaxFailures: '8',
      loginIpMaxFailures: '500',
      refreshReuseGraceSeconds: '0',
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.example.com'],
        AllowCredentials: true,
        // A front end must be able to read Retry-After on a 429.
        ExposeHeaders: ['retry-after'],
      },
    });
    const fn = Object.entries(r).find(
      ([id]) => id.startsWith('TokenFunction') && r[id].Type === 'AWS::Lambda::Function',
    )![1];
    expect(fn.Properties.Environment.Variables).toMatchObject({
      ALLOWED_ORIGINS: 'https://app.example.com',
      COOKIE_SAMESITE: 'None',
      COOKIE_SECURE: 'true',
      LOGIN_MAX_FAILURES: '8',
      LOGIN_IP_MAX_FAILURES: '500',
      REFRESH_REUSE_GRACE_SECONDS: '0',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  test('refuses a bad configuration at synth, naming the context key the user typed', () => {
    expect(() => synth({ cookieSameSite: 'lax' })).toThrow(/context cookieSameSite must be one of Lax, Strict, None/);
    expect(() => synth({ bcryptCost: 'ten' })).toThrow(/bcryptCost must be a whole number/);
    expect(() => synth({ bcryptCost: '40' })).toThrow(/bcryptCost must be between 4 and 15, got 40/);
    expect(() => synth({ loginMaxFailures: '0' })).toThrow(/^loginMaxFailures must be between/);
    expect(() => synth({ allowedOrigins: 'not-a-url' })).toThrow(/allowedOrigins entries must look like/);
    // A wildcard origin with credentials would let any site call the cookie routes.
    expect(() => synth({ allowedOrigins: 'https://*' })).toThrow(
      /allowedOrigins entries must look like.*"https:\/\/\*"/,
    );
    expect(() => synth({ logLevel: 'LOUD' })).toThrow(/context logLevel must be one of/);
  });

  test('npx cdk synth prints a bad setting as one line naming the key, with no stack trace', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ cookieSameSite: 'Bogus' }),
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'cdk-')),
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('error: context cookieSameSite must be one of Lax, Strict, None, got "Bogus"');
  });

  test('outputs the API URL and the table name', () => {
    template.hasOutput('ApiUrl', {});
    template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^Table') } });
  });

  test('keeps the asset metadata `sam local invoke` reads on every function', () => {
    for (const handler of handlers) {
      const meta = resources[fnLogicalId(handler)].Metadata;
      expect(meta['aws:asset:property']).toBe('Code');
      expect(meta['aws:asset:path']).toMatch(/^asset\./);
      // SAM names a function by the path segment before /Resource; `Default` (the AuthApi) is invisible in ids.
      expect(meta['aws:cdk:path']).toBe(`${stack.stackName}/Default/${functionId(handler)}/Resource`);
    }
  });

  test('traces nothing by default: no TracingConfig, no X-Ray grant, no X-Ray SDK in any bundle', () => {
    const fns = ofType('AWS::Lambda::Function');
    expect(fns.length).toBe(handlers.length);
    for (const [id, fn] of fns) {
      expect([id, fn.Properties.TracingConfig]).toEqual([id, undefined]);
      // functions/http/tracing.ts: the tracing flag is a constant at bundle time, so esbuild drops the tracer.
      const code = readFileSync(join(app.outdir, fn.Metadata['aws:asset:path'], 'index.js'), 'utf8');
      expect([id, code.includes('AWS_XRAY_DAEMON_ADDRESS')]).toEqual([id, false]);
    }
    expect(JSON.stringify(template.toJSON())).not.toContain('xray:');
  });

  test('passes cdk-nag AwsSolutions with every acknowledgement carrying a reason', () => {
    const report = nag.validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.locations).join(' ')}`),
    ).toEqual([]);
    expect(report.success).toBe(true);
    const acks = stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
          .map((m) => Object.entries(m.data as Record<string, string>)),
      )
      .flat()
      // AWS Control Tower's acknowledgements have a test of their own (test/infra/control-tower.test.ts).
      .filter(([id]) => !id.startsWith('cdk-validator-cfnguard::'));
    expect(acks.map(([id]) => id).sort()).toEqual([
      'Annotation::AwsSolutions-APIG4',
      'Annotation::AwsSolutions-IAM5[Resource::*]', // GetRandomPassword, granted by CDK's RotationSchedule
      'Annotation::AwsSolutions-SMG4', // the refresh secret: replaced on purpose, not on a schedule
      'Annotation::AwsSolutions-SMG4', // the public key copy: rewritten by the key set's own rotation
      'Annotation::AwsSolutions-SQS3', // the mail queue's dead-letter queue needs none of its own
    ]);
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(40);
  });
});

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
    for (const handler of ['openid-configuration', 'jwks']) {
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

describe('custom domain', () => {
  const fast = { bundle: false };
  const domain = {
    domainName: 'api.example.com',
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc',
  };
  const issuerOf = (r: Resources, handler: string) =>
    Object.entries(r).find(([id, x]) => id.startsWith(functionId(handler)) && x.Type === 'AWS::Lambda::Function')![1]
      .Properties.Environment.Variables.TOKEN_ISSUER;

  test('maps the $default stage at the root of the domain, and the issuer follows it', () => {
    const built = synth({ ...domain, hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' }, fast);
    const t = built.template;
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: domain.certificateArn, EndpointType: 'REGIONAL' })],
    });
    const [stageId] = Object.entries(built.resources).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    t.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: Match.objectLike({ Stage: '$default', ApiMappingKey: Match.absent() }),
      DependsOn: [stageId],
    });
    for (const type of ['A', 'AAAA']) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'api.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
      });
    }
    for (const handler of ['token', 'me', 'oauth2-token', 'openid-configuration'])
      expect(issuerOf(built.resources, handler)).toBe('https://api.example.com');
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: Match.objectLike({ Issuer: 'https://api.example.com' }),
    });
    // The execute-api endpoint stays unless asked; cdk-nag has nothing to say about any of it.
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    expect(built.nag.validateScope(built.stack).violations).toEqual([]);
  });

  test('without a hosted zone no record is made; the execute-api endpoint can be turned off', () => {
    const built = synth({ ...domain, disableExecuteApiEndpoint: 'true' }, fast);
    built.template.resourceCountIs('AWS::Route53::RecordSet', 0);
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
  });

  test('without a domain there is none, and the issuer is the execute-api URL', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(issuerOf(resources, 'token')).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'] });
  });

  test('refuses half a configuration, a bad name or ARN, and turning off the only endpoint', () => {
    expect(() => synth({ domainName: 'api.example.com' }, fast)).toThrow('domainName and certificateArn go together');
    expect(() => synth({ ...domain, domainName: 'https://api.example.com' }, fast)).toThrow('lower-case DNS name');
    expect(() => synth({ ...domain, certificateArn: 'arn:aws:iam::123:role/x' }, fast)).toThrow('ACM certificate ARN');
    expect(() => synth({ ...domain, hostedZoneId: 'Z1' }, fast)).toThrow('hostedZoneId and hostedZoneName go together');
    expect(() => synth({ disableExecuteApiEndpoint: 'true' }, fast)).toThrow('needs a custom domain');
  });
});

describe('AuthStack: accounts and email', () => {
  const defaults = synth({}, { bundle: false });
  const ofTypeIn = (r: Resources, type: string) => Object.entries(r).filter(([, x]) => x.Type === type);
  const routeKeys = (r: Resources) => ofTypeIn(r, 'AWS::ApiGatewayV2::Route').map(([, x]) => x.Properties.RouteKey);
  const emailRoutes = routes.filter((r) => r.needs).map((r) => `${r.method} ${r.path}`);
  const statementsOf = (handler: string) => {
    const roleRef = resources[fnLogicalId(handler)].Properties.Role['Fn::GetAtt'][0];
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };

  test('by default: no email route, no sign-up route, no queue, no SES grant', () => {
    expect(emailRoutes).toHaveLength(5);
    for (const key of emailRoutes) expect(routeKeys(defaults.resources)).not.toContain(key);
    expect(routeKeys(defaults.resources)).toContain('POST /auth/password');
    expect(ofTypeIn(defaults.resources, 'AWS::SQS::Queue')).toEqual([]);
    expect(JSON.stringify(defaults.resources)).not.toContain('ses:');
  });

  test('with a sender but no sign-up: forgot and reset only', () => {
    const { resources: r } = synth(
      { emailFrom: ACCOUNTS.emailFrom, passwordResetUrl: ACCOUNTS.passwordResetUrl },
      { bundle: false },
    );
    const keys = routeKeys(r);
    expect(emailRoutes.filter((k) => keys.includes(k)).sort()).toEqual([
      'POST /auth/password/forgot',
      'POST /auth/password/reset',
    ]);
  });

  test('asking for sign-up without a sender fails the synth, naming the keys', () => {
    expect(() => synth({ allowSignup: 'true' }, { bundle: false })).toThrow(
      'allowSignup needs emailFrom: sign-up sends a verification message',
    );
    expect(() => synth({ emailFrom: ACCOUNTS.emailFrom }, { bundle: false })).toThrow(/needs passwordResetUrl/);
    expect(() => synth({ ...ACCOUNTS, passwordResetUrl: 'http://app.example.com/reset' }, { bundle: false })).toThrow(
      /passwordResetUrl must be an https:\/\/ URL/,
    );
  });

  test('every sign-up and email route is deployed when asked for, each with its own function', () => {
    for (const key of emailRoutes) expect(routeKeys(resources)).toContain(key);
  });

  test("the worker's SES grant: SendEmail on the configured identity only, from EMAIL_FROM only", () => {
    const ses = statementsOf('mail-worker').filter((st: { Action: string | string[] }) =>
      [st.Action].flat().some((a) => a.startsWith('ses:')),
    );
    expect(ses).toHaveLength(1);
    expect(ses[0].Action).toBe('ses:SendEmail');
    expect(JSON.stringify(ses[0].Resource)).toContain(':identity/example.com');
    expect(JSON.stringify(ses[0].Resource)).not.toContain('*');
    expect(ses[0].Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } });
    // No other function may send email.
    for (const handler of handlers.filter((h) => h !== 'mail-worker'))
      expect(actionsOf(handler).filter((a) => a.startsWith('ses:'))).toEqual([]);
    // A verified address instead of its domain: the grant names that address.
    const byAddress = synth({ ...ACCOUNTS, emailIdentity: 'no-reply@example.com' }, { bundle: false });
    expect(JSON.stringify(byAddress.resources)).toContain(':identity/no-reply@example.com');
  });

  test('only the routes that hand off messages may send to the queue; the worker reads it', () => {
    const senders = handlers.filter((h) => actionsOf(h).includes('sqs:SendMessage')).sort();
    expect(senders).toEqual(
      routes
        .filter((r) => r.sendsMail)
        .map((r) => r.name)
        .sort(),
    );
    for (const h of senders)
      expect(resources[fnLogicalId(h)].Properties.Environment.Variables.MAIL_QUEUE_URL).toBeDefined();
    expect(actionsOf('mail-worker')).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    // Token-less account routes hold no keys at all.
    for (const h of [
      'password-forgot',
      'password-reset',
      'signup',
      'email-verify',
      'email-verify-resend',
      'mail-worker',
    ])
      expect(actionsOf(h).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  test('with email and sign-up on, both cdk-nag and the Control Tower controls pass (the DLQ acknowledged)', () => {
    const report = nag.validateScope(stack);
    expect(report.success).toBe(true);
    const deadLetters = stack.node.findAll().find((c) => c.node.path.endsWith('/Mail/DeadLetters'))!;
    const acked = deadLetters.node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.keys(m.data as object));
    expect(acked.sort()).toEqual(['Annotation::AwsSolutions-SQS3', CONTROL_TOWER.deadLetters]);
  });

  test('the queue: encrypted, TLS only, a dead-letter queue after 3 tries, partial batch failures reported', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const [, q] of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const jobs = queues.find(([, q]) => q.Properties.RedrivePolicy)![1];
    expect(jobs.Properties.RedrivePolicy.maxReceiveCount).toBe(3);
    expect(jobs.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(60);
    const dlq = queues.find(([, q]) => !q.Properties.RedrivePolicy)![1];
    expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(ofType('AWS::SQS::QueuePolicy')).toHaveLength(2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('sign-up settings reach the functions; the catch-all knows which routes exist', () => {
    const env = (h: string) => resources[fnLogicalId(h)].Properties.Environment.Variables;
    expect(env('token')).toMatchObject({ ALLOW_SIGNUP: 'true', EMAIL_FROM: 'no-reply@example.com' });
    expect(env(fallbackHandler)).toMatchObject({ ALLOW_SIGNUP: 'true', EMAIL_FROM: 'no-reply@example.com' });
    const strict = synth(
      { ...ACCOUNTS, requireEmailVerification: 'false', signupIpMaxPerHour: '3' },
      { bundle: false },
    );
    const tokenFn = ofTypeIn(strict.resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('TokenFunction'))!;
    expect(tokenFn[1].Properties.Environment.Variables).toMatchObject({
      REQUIRE_EMAIL_VERIFICATION: 'false',
      SIGNUP_IP_MAX_PER_HOUR: '3',
    });
  });
});

describe('AuthStack: adopting a restored table (adoptTableName)', () => {
  const adopted = synth({ adoptTableName: 'auth-restored-20261130' }, { bundle: false });
  const all = Object.entries(adopted.resources);

  test('makes no table of its own and points every function, grant and output at the restored one', () => {
    expect(all.filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable')).toEqual([]);
    const fns = all.filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const withTable = fns.filter(([, r]) => r.Properties.Environment?.Variables?.TABLE_NAME !== undefined);
    expect(withTable.length).toBeGreaterThan(10);
    for (const [, r] of withTable) expect(r.Properties.Environment.Variables.TABLE_NAME).toBe('auth-restored-20261130');
    const dynamo = all
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(10);
    for (const st of dynamo)
      expect(JSON.stringify(st.Resource)).toMatch(/table\/auth-restored-20261130(\/index\/gsi1)?"/);
    expect(adopted.template.findOutputs('TableName').TableName.Value).toBe('auth-restored-20261130');
  });

  test('refuses a name DynamoDB would not take', () => {
    expect(() => synth({ adoptTableName: 'no spaces allowed' }, { bundle: false })).toThrow(
      'context adoptTableName must be a DynamoDB table name',
    );
  });
});
