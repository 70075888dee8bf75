import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { protectedRoutes } from '../../functions/protected-routes';
import { OTHER_FUNCTION_TABLE_ACCESS, fallbackHandler, matchRoute, routes } from '../../functions/routes';
import { functionId } from '../../lib/route-function';
import { ACCOUNTS, ALL_FUNCTIONS as handlers, inspect, synth } from '../support/synth';

// The deployable stack with every route deployed, bundled (the bundles are read below) and checked by
// cdk-nag. The signing keys, the custom domain, the account routes (where the Control Tower rules run
// on this same configuration) and an adopted table have files of their own beside this one.
const { app, stack, nag, template, resources } = synth(ACCOUNTS, { bundle: true });
const { ofType, fnLogicalId, actionsOf, dynamoStatementsOf, statementsOf } = inspect(resources);
/** The functions whose bundle holds the text (minifying keeps strings): logical ids without their hash. */
const carrying = (mark: string) =>
  ofType('AWS::Lambda::Function')
    .filter(([, fn]) =>
      readFileSync(join(app.outdir, fn.Metadata['aws:asset:path'], 'index.js'), 'utf8').includes(mark),
    )
    .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
    .sort();

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
      const access = routes.find((r) => r.name === handler)?.table ?? OTHER_FUNCTION_TABLE_ACCESS[handler] ?? {};
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
      // No DynamoDB grant without a LeadingKeys condition on every key of the request, and an
      // Attributes condition on every attribute it names; a read must name what it returns.
      expect(Object.keys(s.Condition['ForAllValues:StringLike'])).toEqual(['dynamodb:LeadingKeys']);
      expect(Object.keys(s.Condition['ForAllValues:StringEquals'])).toEqual(['dynamodb:Attributes']);
      const reads = actions.every((a) => /GetItem|BatchGetItem|Query/.test(a));
      const writes = actions.every((a) => /PutItem|UpdateItem|DeleteItem/.test(a));
      expect([actions, reads || writes]).toEqual([actions, true]);
      if (reads) expect(s.Condition.StringEqualsIfExists).toEqual({ 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' });
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

  test('no function but the password checkers may read a password hash; user writes name their attributes', () => {
    const userReads = (name: string) =>
      dynamoStatementsOf(name).filter(
        (s) => s.prefixes.includes('USER#*') && s.actions.some((a) => /GetItem|BatchGetItem/.test(a)),
      );
    const userWrites = (name: string) =>
      dynamoStatementsOf(name).filter(
        (s) => s.prefixes.includes('USER#*') && s.actions.some((a) => /PutItem|UpdateItem|DeleteItem/.test(a)),
      );
    const checkers = ['token', 'oauth2-token', 'password-change', 'oauth2-login-password'];
    for (const name of handlers) {
      const hashRead = userReads(name).some((s) => s.attributes.includes('passwordHash'));
      expect([name, hashRead]).toEqual([name, checkers.includes(name)]);
      for (const s of userWrites(name)) {
        // A user write is a statement of its own, and never returns the whole item (which holds the hash).
        expect([name, s.prefixes]).toEqual([name, ['USER#*']]);
        expect(s.condition.StringEqualsIfExists).toEqual({
          'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'],
        });
      }
    }
    const written = (name: string) =>
      userWrites(name)
        .flatMap((s) => s.attributes)
        .sort();
    // The review's cases: logout-all and email-verify could rewrite any attribute of a user item.
    expect(written('logout-all')).toEqual(['pk', 'sessionsValidAfter', 'sk']);
    expect(written('email-verify')).toEqual(['email', 'emailVerified', 'pk', 'sk']);
    expect(written('token')).toEqual(['passwordHash', 'pk', 'sk']);
    expect(written('me')).toEqual([]);
    // Each role's inline policy stays well inside IAM's 10,240 characters.
    for (const [, policy] of ofType('AWS::IAM::Policy'))
      expect(JSON.stringify(policy.Properties.PolicyDocument).length).toBeLessThan(8000);
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

  test('gives each password- or code-checking route its own throttle below the stage, after the routes exist', () => {
    const [stageId, stage] = ofType('AWS::ApiGatewayV2::Stage')[0];
    const auth = ['token', 'password', 'mfa/verify', 'mfa/totp/disable', 'passkeys/login/verify'];
    const keys = ['/oauth2/token', '/auth/passkeys/login/options', ...auth.map((p) => `/auth/${p}`)];
    const limit = { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 };
    expect(stage.Properties.RouteSettings).toEqual(Object.fromEntries(keys.map((p) => [`POST ${p}`, limit])));
    for (const key of keys.map((p) => `POST ${p}`)) {
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

  test('cookieHostPrefix names the cookie __Host-refresh_token and puts it on Path=/', () => {
    const { resources: r } = synth({ cookieHostPrefix: 'true' });
    const fn = Object.entries(r).find(
      ([id, x]) => id.startsWith('RefreshFunction') && x.Type === 'AWS::Lambda::Function',
    )!;
    expect(fn[1].Properties.Environment.Variables).toMatchObject({ COOKIE_HOST_PREFIX: 'true', COOKIE_PATH: '/' });
    expect(() => synth({ cookieHostPrefix: 'true', cookiePath: '/auth' })).toThrow(
      'cookieHostPrefix=true needs cookiePath=/ (the prefix allows no other), got "/auth"',
    );
    expect(() => synth({ cookieHostPrefix: 'true', cookieSecure: 'false' })).toThrow(
      'cookieHostPrefix=true needs cookieSecure=true',
    );
  });

  test('refuses a context key that is no setting of the stack, naming the nearest one', () => {
    // Silently ignored, these would deploy with no origin and sign-up off.
    expect(() => synth({ allowedOrigin: 'https://app.example.com' })).toThrow(
      'context allowedOrigin is not a setting of this stack: did you mean allowedOrigins?',
    );
    expect(() => synth({ ...ACCOUNTS, allowSignUp: 'true' })).toThrow(
      /context allowSignUp .* did you mean allowSignup\?/,
    );
    expect(() => synth({ bcryptcost: '11' })).toThrow(/did you mean bcryptCost\?/);
    // CDK's own keys and feature flags, and other tools' (with a colon, @, / or -), are not ours to judge.
    expect(() =>
      synth({ '@aws-cdk/aws-lambda:recognizeVersionProps': true, 'acknowledged-issue-numbers': [1], 'x:y': 1 }),
    ).not.toThrow();
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

  test('outputs the API URL, the table name and the key sets the emergency lever replaces', () => {
    template.hasOutput('ApiUrl', {});
    template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^Table') } });
    template.hasOutput('AccessTokenKeysArn', { Value: { Ref: Match.stringLikeRegexp('^AccessTokenKeys') } });
    template.hasOutput('PublicKeysArn', { Value: { Ref: Match.stringLikeRegexp('^PublicKeys') } });
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

  test('the look-alike table in sign-up and reset only; bcryptjs at a first check; argon2 in the logins', () => {
    // functions/core/usernames.ts holds the rules every route shares; the table (username-skeleton.ts)
    // is the administration's and sign-up's alone (docs/performance.md "Where a cold start's time goes").
    // Its first entry, as esbuild writes non-ASCII text (escaped).
    const marker = '"2":"\\u14BF\\uA6EF"';
    // Reset shares sign-up's composition root (functions/accounts/new-password-runtime.ts).
    expect(carrying(marker)).toEqual(['PasswordResetFunction', 'SignupFunction']);
    // bcryptjs sits behind a dynamic import in the session routes' root (esbuild keeps it in a lazy
    // initializer that only the first password check runs): never a value import there.
    const root = readFileSync('functions/sessions/runtime.ts', 'utf8');
    expect(root).not.toMatch(/^import \{[^}]*\} from '\.\.\/core\/passwords'/m);
    expect(root).toContain("import('../core/passwords')");
    // hash-wasm's argon2 (imported users' hashes, docs/importing-users.md): the login functions alone.
    const logins = ['token', 'oauth2-token', 'oauth2-login-password'].map(functionId).sort();
    expect(carrying('Memory size should be at least 8 * parallelism.')).toEqual(logins);
    // Lazy migration's Lambda client only with its context (test/infra/legacy-migration.test.ts): here, nowhere.
    expect(carrying('InvokeCommand')).toEqual([]);
  });

  test('otpauth and the WebAuthn library only where needed (docs/performance.md); the MFA key likewise', () => {
    const ids = (names: string[]) => names.map(functionId).sort();
    const mfaFunctions = routes.filter((r) => r.handler.startsWith('mfa/')).map((r) => r.name);
    // Error messages of otpauth's base32 decoder and of @simplewebauthn/server.
    expect(carrying('Invalid character found')).toEqual(ids([...mfaFunctions, 'oauth2-token', 'oauth2-login-mfa']));
    const verifiers = ['passkeys-register-verify', 'passkeys-login-verify', 'oauth2-token', 'oauth2-login-passkey'];
    expect(carrying('Credential ID was not base64url-encoded')).toEqual(ids(verifiers));
    const readers = routes.filter((r) => r.keys.includes('mfa')).map((r) => r.name);
    expect(readers.sort()).toEqual([
      'mfa-totp-confirm',
      'mfa-totp-disable',
      'mfa-totp-setup',
      'mfa-verify',
      'oauth2-login-mfa',
      'oauth2-token',
    ]);
    const mfaKey = ofType('AWS::SecretsManager::Secret').find(([id]) => id.startsWith('MfaKey'))![0];
    for (const name of handlers) {
      const reads = statementsOf(name).some((st: { Resource: unknown }) =>
        JSON.stringify(st.Resource).includes(mfaKey),
      );
      expect([name, reads]).toEqual([name, readers.includes(name)]);
    }
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
      'Annotation::AwsSolutions-SMG4', // the MFA key: replacing it would need every TOTP secret re-encrypted
      'Annotation::AwsSolutions-SQS3', // the mail queue's dead-letter queue needs none of its own
    ]);
    for (const [, reason] of acks) expect(reason.length).toBeGreaterThan(40);
  });
});
