import { startApp, type TestApp } from '../support/app';
import { login } from '../support/http';
import { FRONT_END, call, passkeyLogin, registerPasskey, userWithPasskey } from '../support/passkeys';
import { assert, register } from '../support/soft-authenticator';

// The store failing at each request of the passkey routes (docs/passkeys.md "Store failures"): 503,
// nothing half-done, and the user's next try works. The fault proxy fails both SDK attempts of the
// first request of the given kind; test/integration/passkeys.test.ts has the registration's put.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOWED_ORIGINS: FRONT_END });
});
afterAll(() => app.close());

const failing = async <T>(op: string, send: () => Promise<T>, nth = 1): Promise<T> => {
  app.proxy.inject({ op, mode: '5xx', nth, times: 2 });
  try {
    return await send();
  } finally {
    app.proxy.restore();
  }
};

describe('a passkey login with the store failing', () => {
  // In order: the challenge used up; the passkey read beside the IP's place; the user; the counter;
  // the session. (The session cap's query after it is housekeeping, as after a password login.)
  test.each([
    ['DeleteItem', 1],
    ['GetItem', 1],
    ['UpdateItem', 1],
    ['BatchGetItem', 1],
    ['UpdateItem', 2],
    ['PutItem', 1],
  ] as const)('at %s number %i: 503, no session, and the next ceremony logs in', async (op, nth) => {
    const { username, credential } = await userWithPasskey(app);
    const before = (await app.sessionsOf(username)).length;
    // The options are written before the fault: only the verify meets it.
    const opts = await call(app, 'POST', '/auth/passkeys/login/options', undefined, {});
    const assertion = assert(credential, opts.body.options.challenge, { origin: FRONT_END });
    const reply = await failing(
      op,
      () => call(app, 'POST', '/auth/passkeys/login/verify', undefined, { credential: assertion }),
      nth,
    );
    expect([reply.status, reply.body]).toEqual([503, { detail: 'Service unavailable' }]);
    expect(reply.headers.getSetCookie()).toEqual([]);
    expect((await app.sessionsOf(username)).length).toBe(before);
    const next = await passkeyLogin(app, credential);
    expect(next.reply.status).toBe(200);
    expect((await app.sessionsOf(username)).length).toBe(before + 1);
  });
});

describe('the other passkey writes with the store failing', () => {
  test('login options: 503 and no challenge handed out', async () => {
    const reply = await failing('PutItem', () => call(app, 'POST', '/auth/passkeys/login/options', undefined, {}));
    expect(reply.status).toBe(503);
    expect(reply.body.options).toBeUndefined();
  });

  test('registration options: 503; then they are given', async () => {
    const username = await app.freshUser('passkey passphrase 1');
    const s = await login(app.url, username, 'passkey passphrase 1');
    const reply = await failing('PutItem', () => call(app, 'POST', '/auth/passkeys/register/options', s.access));
    expect(reply.status).toBe(503);
    expect((await call(app, 'POST', '/auth/passkeys/register/options', s.access)).status).toBe(200);
  });

  test('registration verify, its challenge not used up: 503, and the same body then registers', async () => {
    const username = await app.freshUser('passkey passphrase 1');
    const s = await login(app.url, username, 'passkey passphrase 1');
    const opts = (await call(app, 'POST', '/auth/passkeys/register/options', s.access)).body.options;
    const { response } = register(opts, { origin: FRONT_END });
    const body = { credential: response };
    const reply = await failing('DeleteItem', () =>
      call(app, 'POST', '/auth/passkeys/register/verify', s.access, body),
    );
    expect(reply.status).toBe(503);
    expect((await call(app, 'GET', '/auth/passkeys', s.access)).body.passkeys).toEqual([]);
    expect((await call(app, 'POST', '/auth/passkeys/register/verify', s.access, body)).status).toBe(201);
  });

  test('rename: 503 and the old name kept', async () => {
    const { access, passkey } = await userWithPasskey(app);
    const path = `/auth/passkeys/${passkey.id}`;
    const reply = await failing('UpdateItem', () => call(app, 'PATCH', path, access, { name: 'Phone' }));
    expect(reply.status).toBe(503);
    const [listed] = (await call(app, 'GET', '/auth/passkeys', access)).body.passkeys;
    expect(listed.name).toBe(passkey.name);
    expect((await registerPasskey(app, access)).reply.status).toBe(201); // and the routes work on
  });
});
