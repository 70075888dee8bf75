import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { throttleKey } from '../../functions/store/schema';
import type { TestApp } from './app';
import { form, login, request, type Reply } from './http';
import { enrolledUser, json } from './mfa';
import { FRONT_END } from './passkeys';
import { assert, register } from './soft-authenticator';

/**
 * Every way the passkey routes touch the table (for test/integration/table-access.test.ts): each
 * request goes through `touch`, which files the store calls it made under its route. The app's
 * session cap is 2; its ALLOWED_ORIGINS must list FRONT_END.
 */
type Touch = <T>(method: string, path: string, send: () => Promise<T>) => Promise<T>;

export async function passkeyFlows(app: TestApp, touch: Touch): Promise<void> {
  const call = (method: string, path: string, bearer?: string, body?: Record<string, unknown>): Promise<Reply> =>
    touch(method, path, () =>
      request(`${app.url}${path}`, method, {
        ...(bearer ? { bearer } : {}),
        ...(body ? json(body) : {}),
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), origin: FRONT_END },
      }),
    );
  const expectStatus = (reply: Reply, status: number, what: string) => {
    if (reply.status !== status) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply;
  };
  const registerOne = async (bearer: string, failFirst = false) => {
    const opts = expectStatus(await call('POST', '/auth/passkeys/register/options', bearer), 200, 'options').body;
    const { credential, response } = register(opts.options, { origin: FRONT_END });
    if (failFirst) {
      // The passkey's put fails: the challenge is put back, and the same body then succeeds.
      app.proxy.inject({ op: 'PutItem', mode: '5xx', times: 2 });
      const failed = await call('POST', '/auth/passkeys/register/verify', bearer, { credential: response });
      app.proxy.restore();
      expectStatus(failed, 503, 'register, store failing');
    }
    const reply = await call('POST', '/auth/passkeys/register/verify', bearer, { credential: response });
    return { credential, passkey: expectStatus(reply, 201, 'register').body };
  };
  const loginWith = async (credential: ReturnType<typeof register>['credential'], username?: string, uv = true) => {
    const body = username ? { username } : {};
    const opts = expectStatus(
      await call('POST', '/auth/passkeys/login/options', undefined, body),
      200,
      'login options',
    );
    const assertion = assert(credential, opts.body.options.challenge, { origin: FRONT_END, uv });
    return call('POST', '/auth/passkeys/login/verify', undefined, { credential: assertion });
  };

  // Registering: the first makes the user handle; the second lists the first (to exclude it).
  await app.addUser('pia', 'pw');
  const pia = await login(app.url, 'pia', 'pw');
  const first = await registerOne(pia.access, true);
  const second = await registerOne(pia.access);
  expectStatus(await call('GET', '/auth/passkeys', pia.access), 200, 'list');
  const renamed = { name: 'Laptop' };
  expectStatus(await call('PATCH', `/auth/passkeys/${first.passkey.id}`, pia.access, renamed), 200, 'rename');

  // Logging in: with a username (its passkeys listed), past the cap (evictions), over an expired IP count.
  const stale = { failures: 3, lockedUntil: 0, windowStart: 0, expiresAt: Math.floor(Date.now() / 1000) - 10 };
  const ipCount = throttleKey({ kind: 'ip', ip: '127.0.0.1' });
  await app.db.send(new PutCommand({ TableName: app.tableName, Item: { ...ipCount, ...stale } }));
  expectStatus(await loginWith(first.credential, 'pia'), 200, 'passkey login');
  expectStatus(await loginWith(second.credential), 200, 'passkey login, usernameless');
  // The OAuth token endpoint's passkey grant: the same service, through the other route.
  const grantOptions = (await call('POST', '/auth/passkeys/login/options', undefined, {})).body.options;
  const viaGrant = assert(first.credential, grantOptions.challenge, { origin: FRONT_END });
  const grant = { grant_type: 'urn:serverless-auth-api:params:oauth:grant-type:passkey' };
  const granted = await touch('POST', '/oauth2/token', () =>
    request(`${app.url}/oauth2/token`, 'POST', form({ ...grant, credential: JSON.stringify(viaGrant) })),
  );
  expectStatus(granted, 200, 'passkey grant');
  // A counter going backwards: the clone flag.
  const opts = (await call('POST', '/auth/passkeys/login/options', undefined, {})).body.options;
  const clone = assert(second.credential, opts.challenge, { origin: FRONT_END, counter: 0 });
  expectStatus(await call('POST', '/auth/passkeys/login/verify', undefined, { credential: clone }), 401, 'clone');

  // Without user verification, for a user with TOTP on: the MFA step is put instead of a session.
  const u = await enrolledUser(app);
  const { credential } = await registerOne(u.access);
  expectStatus(await loginWith(credential, undefined, false), 403, 'MFA required');

  // Deleting: a failing credential change puts the passkey back; then it goes, and the others end.
  const latest = await login(app.url, 'pia', 'pw');
  app.proxy.inject({ op: 'UpdateItem', mode: '5xx', times: 2 });
  expectStatus(await call('DELETE', `/auth/passkeys/${first.passkey.id}`, latest.access), 503, 'delete, failing');
  app.proxy.restore();
  expectStatus(await call('DELETE', `/auth/passkeys/${first.passkey.id}`, latest.access), 204, 'delete');
}
