import { testApp, build, inspect, synth } from '../support/synth';

// Lazy migration (docs/importing-users.md): context `legacyMigrationFunction` reaches the three
// login functions alone, as their environment, a grant to invoke that one function, and the writes
// that create a user; without it, no function has any of this.

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:legacy-user-migration';
const LOGINS = ['token', 'oauth2-token', 'oauth2-login-password'];

describe('AuthStack: lazy migration', () => {
  const { resources } = synth({ legacyMigrationFunction: ARN, webauthnRpId: 'example.com' }, { bundle: false });
  const { ofType, fnLogicalId, statementsOf } = inspect(resources);
  const invokers = (res: typeof resources, ids: string[]) =>
    ids.filter((id) => JSON.stringify(res[id].Properties).includes('LEGACY_MIGRATION_FUNCTION'));

  test('the login functions, and they alone, name the function and may invoke exactly it', () => {
    const functions = ofType('AWS::Lambda::Function').map(([id]) => id);
    expect(invokers(resources, functions).sort()).toEqual(LOGINS.map(fnLogicalId).sort());
    for (const name of LOGINS) {
      const env = resources[fnLogicalId(name)].Properties.Environment.Variables;
      expect(env.LEGACY_MIGRATION_FUNCTION).toBe(ARN);
      const invoke = statementsOf(name).filter((st: { Action: unknown }) =>
        JSON.stringify(st.Action).includes('lambda:'),
      );
      expect(invoke).toEqual([
        expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: ARN, Effect: 'Allow' }),
      ]);
    }
    const allStatements = JSON.stringify(ofType('AWS::IAM::Policy'));
    expect(allStatements.split('lambda:InvokeFunction').length - 1).toBe(LOGINS.length);
  });

  test("the dashboard graphs the users the legacy function still moves, from the logins' metric", () => {
    const dashboards = (res: typeof resources) =>
      JSON.stringify(inspect(res).ofType('AWS::CloudWatch::Dashboard')[0][1].Properties.DashboardBody);
    const body = dashboards(resources);
    expect(body).toContain('Lazy migration');
    // Each metric as the functions write it: namespace AuthApi, dimension service=auth-api.
    for (const metric of ['user_migrated', 'user_migration_refused'])
      expect(body).toContain(`[\\"AuthApi\\",\\"${metric}\\",\\"service\\",\\"auth-api\\"`);
    expect(dashboards(synth({}, { bundle: false }).resources)).not.toContain('user_migrated');
  });

  test('without the context no function has it; a value that is not a function ARN fails the synth', () => {
    const { resources: plain } = synth({}, { bundle: false });
    expect(JSON.stringify(plain)).not.toContain('LEGACY_MIGRATION_FUNCTION');
    expect(JSON.stringify(inspect(plain).ofType('AWS::IAM::Policy'))).not.toContain('lambda:InvokeFunction');
    expect(() => build(testApp({ legacyMigrationFunction: 'legacy-user-migration' }))).toThrow(
      /legacyMigrationFunction must be a Lambda function's ARN/,
    );
  });
});

describe('AuthStack: unknownUserHash (docs/importing-users.md "Timing")', () => {
  const HEADER = '$argon2id$v=19$m=65536,t=3,p=4';

  test('reaches the three login functions alone; a header that is none, or too costly, fails the synth', () => {
    const { resources } = synth({ unknownUserHash: HEADER, webauthnRpId: 'example.com' }, { bundle: false });
    const { ofType } = inspect(resources);
    const withIt = ofType('AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.UNKNOWN_USER_HASH === HEADER)
      .map(([id]) => id);
    expect(withIt.sort()).toEqual(LOGINS.map(inspect(resources).fnLogicalId).sort());
    for (const bad of ['argon2id', '$argon2id$v=19$m=4194304,t=3,p=4'])
      expect(() => build(testApp({ unknownUserHash: bad }))).toThrow(/unknownUserHash must be/);
  });
});
