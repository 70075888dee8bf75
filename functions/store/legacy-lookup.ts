import type { LegacyLookup, LegacyUser } from '../core/legacy-migration';

/**
 * The legacy system a login asks about a username the table does not have (docs/importing-users.md
 * "Lazy migration"): deployed, a Lambda function (LEGACY_MIGRATION_FUNCTION, its ARN; the login
 * functions may invoke it and nothing else); locally, an HTTP endpoint (LEGACY_MIGRATION_URL) that
 * takes the same event as JSON. Either gets the event of Cognito's user-migration trigger and answers
 * yes with `response.userAttributes`; anything else (an error, no attributes, another status, no
 * answer within LEGACY_MIGRATION_TIMEOUT_MS, 3000 by default) is a no. Nothing here is logged: the
 * event holds the password.
 */
type Env = Record<string, string | undefined>;
type Attributes = Record<string, string | undefined>;

/** Cognito's UserMigration_Authentication event, as a migration function written for Cognito expects it. */
const migrationEvent = (username: string, password: string) => ({
  version: '1',
  triggerSource: 'UserMigration_Authentication',
  region: process.env.AWS_REGION ?? 'local',
  userPoolId: 'serverless-auth-api',
  userName: username,
  callerContext: { awsSdkVersion: 'serverless-auth-api', clientId: 'serverless-auth-api' },
  request: { password, validationData: null, clientMetadata: {} },
  response: { userAttributes: null, finalUserStatus: null, messageAction: null },
});

/** The yes of an answered event: its user attributes (email, name, email_verified), or undefined. */
function userOf(answer: unknown): LegacyUser | undefined {
  const attributes = (answer as { response?: { userAttributes?: Attributes | null } })?.response?.userAttributes;
  if (!attributes || typeof attributes !== 'object') return undefined;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 254 ? v : undefined);
  return {
    email: text(attributes.email),
    fullName: text(attributes.name),
    ...(attributes.email_verified === 'false' ? { emailVerified: false } : {}),
  };
}

export function legacyLookupFrom(env: Env): LegacyLookup | undefined {
  // A constant in the deployed bundles (lib/route-function.ts): without lazy migration esbuild drops
  // all that follows, the Lambda client with it. Unset (the dev server, the tests): the environment decides.
  if (process.env.AUTH_API_LEGACY === 'false') return undefined;
  const timeout = Number(env.LEGACY_MIGRATION_TIMEOUT_MS ?? 3000);
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 10_000)
    throw new Error('LEGACY_MIGRATION_TIMEOUT_MS must be 100 to 10000');
  const fn = env.LEGACY_MIGRATION_FUNCTION;
  if (fn) {
    let client: Promise<{ invoke: (payload: string) => Promise<{ FunctionError?: string; Payload?: Uint8Array }> }>;
    const lambda = () =>
      (client ??= import('./lambda-invoke').then(({ LambdaClient, InvokeCommand }) => {
        const c = new LambdaClient({ maxAttempts: 1 });
        return {
          invoke: (payload) =>
            c.send(new InvokeCommand({ FunctionName: fn, Payload: payload }), {
              abortSignal: AbortSignal.timeout(timeout),
            }),
        };
      }));
    return async (username, password) => {
      const out = await (await lambda()).invoke(JSON.stringify(migrationEvent(username, password)));
      if (out.FunctionError || !out.Payload) return undefined;
      return userOf(JSON.parse(Buffer.from(out.Payload).toString('utf8')));
    };
  }
  const url = env.LEGACY_MIGRATION_URL;
  if (url)
    return async (username, password) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(migrationEvent(username, password)),
        signal: AbortSignal.timeout(timeout),
      });
      return res.status === 200 ? userOf(await res.json()) : undefined;
    };
  return undefined;
}
