import { startApp, type TestApp } from '../support/app';
import { attemptLogin, login, refreshCookieOf, request } from '../support/http';
import { codeAt, enrolledUser, forgetLastStep } from '../support/mfa';
import { FRONT_END, call, passkeyLogin, registerPasskey, userWithPasskey } from '../support/passkeys';
import { assert, register } from '../support/soft-authenticator';

// Passkeys (docs/passkeys.md) over real HTTP on the dev server and a real DynamoDB API server, with a
// software authenticator (test/support/soft-authenticator.ts) whose every byte the test controls;
// test/browser/passkeys.test.ts does the same ceremonies with Chromium's virtual authenticator.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOWED_ORIGINS: FRONT_END, MAX_PASSKEYS_PER_USER: '3' });
});
afterAll(() => app.close());

const me = (bearer: string) => request(`${app.url}/users/me`, 'GET', { bearer });
const list = async (access: string) => (await call(app, 'GET', '/auth/passkeys', access)).body;

describe('registering a passkey', () => {
  test('options carry the RP, a user handle that is not the username, and the three algorithms', async () => {
    const username = await app.freshUser('passkey passphrase 1');
    const s = await login(app.url, username, 'passkey passphrase 1');
    const reply = await call(app, 'POST', '/auth/passkeys/register/options', s.access);
    expect(reply.status).toBe(200);
    const { options } = reply.body;
    expect(options.rp).toEqual({ id: 'localhost', name: new URL(app.url).hostname });
    expect(options.user.name).toBe(username);
    expect(Buffer.from(options.user.id, 'base64url')).toHaveLength(32);
    expect(options.user.id).not.toContain(username);
    expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32);
    expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-8, -7, -257]);
    expect(options).toEqual(
      expect.objectContaining({
        timeout: 300000,
        attestation: 'none',
        authenticatorSelection: { residentKey: 'preferred', requireResidentKey: false, userVerification: 'preferred' },
        excludeCredentials: [],
        extensions: { credProps: true },
      }),
    );
    // The handle is kept: the next options name the same one.
    const again = await call(app, 'POST', '/auth/passkeys/register/options', s.access);
    expect(again.body.options.user.id).toBe(options.user.id);
  });

  test('verify stores the passkey (201), lists it, and excludes it from the next options', async () => {
    const { access, passkey, credential } = await userWithPasskey(app);
    expect(passkey).toEqual({
      id: credential.id.toString('base64url'),
      name: `Passkey ${new Date().toISOString().slice(0, 10)}`,
      created_at: expect.any(String),
      last_used_at: null,
      aaguid: '00000000-0000-0000-0000-000000000000',
      device_type: 'singleDevice',
      backed_up: false,
      transports: ['internal'],
      clone_suspected: false,
    });
    const listed = await list(access);
    expect(listed.rp_id).toBe('localhost');
    expect(listed.user_id).toBe(credential.userHandle);
    expect(listed.passkeys).toEqual([passkey]);
    expect((await call(app, 'GET', '/auth/mfa', access)).body.passkeys).toBe(1);
    const next = await call(app, 'POST', '/auth/passkeys/register/options', access);
    expect(next.body.options.excludeCredentials).toEqual([
      { id: passkey.id, type: 'public-key', transports: ['internal'] },
    ]);
  });

  test('a session that is not recent is refused before anything is written', async () => {
    const username = await app.freshUser('passkey passphrase 1');
    const s = await login(app.url, username, 'passkey passphrase 1');
    await app.updateSession(s.sid, { authAt: Date.now() - 601_000 });
    const reply = await call(app, 'POST', '/auth/passkeys/register/options', s.access);
    expect([reply.status, reply.body]).toEqual([403, { detail: 'Recent authentication required: log in again' }]);
  });

  test('a challenge is used once, only by its ceremony and its session', async () => {
    const username = await app.freshUser('passkey passphrase 1');
    const s = await login(app.url, username, 'passkey passphrase 1');
    const other = await login(app.url, username, 'passkey passphrase 1');
    const opts = (await call(app, 'POST', '/auth/passkeys/register/options', s.access)).body.options;
    const { response } = register(opts, { origin: FRONT_END });
    // Another session of the same user may not use it.
    const foreign = await call(app, 'POST', '/auth/passkeys/register/verify', other.access, { credential: response });
    expect([foreign.status, foreign.body]).toEqual([400, { detail: 'Invalid or expired challenge' }]);
    // That attempt used it up: the right session cannot either.
    const used = await call(app, 'POST', '/auth/passkeys/register/verify', s.access, { credential: response });
    expect(used.status).toBe(400);
    // A login challenge is not a registration one.
    const loginOpts = (await call(app, 'POST', '/auth/passkeys/login/options', undefined, {})).body.options;
    const { response: r2 } = register({ ...opts, challenge: loginOpts.challenge }, { origin: FRONT_END });
    const wrongKind = await call(app, 'POST', '/auth/passkeys/register/verify', s.access, { credential: r2 });
    expect(wrongKind.body).toEqual({ detail: 'Invalid or expired challenge' });
    expect((await list(s.access)).passkeys).toEqual([]);
  });

  test('another origin or RP ID is refused; a credential id stored already is 409', async () => {
    const { access, credential } = await userWithPasskey(app);
    const badOrigin = await registerPasskey(app, access, { origin: 'http://localhost:4000' });
    expect([badOrigin.reply.status, badOrigin.reply.body]).toEqual([400, { detail: 'Passkey verification failed' }]);
    const badRp = await registerPasskey(app, access, { rpId: 'example.com' });
    expect(badRp.reply.status).toBe(400);
    const twice = await registerPasskey(app, access, { again: credential });
    expect([twice.reply.status, twice.reply.body]).toEqual([409, { detail: 'Passkey already registered' }]);
    expect((await list(access)).passkeys).toHaveLength(1);
  });

  test('MAX_PASSKEYS_PER_USER (3 here) is 409 Too many passkeys', async () => {
    const { access } = await userWithPasskey(app);
    for (let i = 0; i < 2; i++) expect((await registerPasskey(app, access)).reply.status).toBe(201);
    const reply = await call(app, 'POST', '/auth/passkeys/register/options', access);
    expect([reply.status, reply.body]).toEqual([409, { detail: 'Too many passkeys' }]);
  });

  test('a store failure storing the passkey is 503, and re-sending the same body then succeeds', async () => {
    const username = await app.freshUser('passkey passphrase 1');
    const s = await login(app.url, username, 'passkey passphrase 1');
    const opts = (await call(app, 'POST', '/auth/passkeys/register/options', s.access)).body.options;
    const { response } = register(opts, { origin: FRONT_END });
    app.proxy.inject({ op: 'PutItem', mode: '5xx', times: 2 }); // both SDK attempts of the passkey's put
    const failed = await call(app, 'POST', '/auth/passkeys/register/verify', s.access, { credential: response });
    app.proxy.restore();
    expect(failed.status).toBe(503);
    expect((await list(s.access)).passkeys).toEqual([]);
    const retried = await call(app, 'POST', '/auth/passkeys/register/verify', s.access, { credential: response });
    expect(retried.status).toBe(201);
  });
});

describe('logging in with a passkey', () => {
  test('usernameless: a session like a password login, two factors with user verification', async () => {
    const { username, credential } = await userWithPasskey(app);
    const { reply } = await passkeyLogin(app, credential);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 900 });
    expect(refreshCookieOf(reply)).toBeDefined();
    expect((await me(reply.body.access_token)).body.username).toBe(username);
    const sid = String(JSON.parse(Buffer.from(reply.body.access_token.split('.')[1], 'base64url').toString()).sid);
    const session = await app.session(sid);
    expect(session?.amr).toEqual(['hwk', 'user', 'mfa']);
    expect(Number(session?.authAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  test('with a username, the options list that user’s passkeys', async () => {
    const { username, passkey } = await userWithPasskey(app);
    const opts = await call(app, 'POST', '/auth/passkeys/login/options', undefined, { username });
    expect(opts.body.options).toEqual({
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      timeout: 300000,
      rpId: 'localhost',
      userVerification: 'preferred',
      allowCredentials: [{ id: passkey.id, type: 'public-key', transports: ['internal'] }],
    });
    const none = await call(app, 'POST', '/auth/passkeys/login/options', undefined, {});
    expect(none.body.options.allowCredentials).toEqual([]);
  });

  test('an assertion is used once; concurrent verifies of one assertion: exactly one session', async () => {
    const { credential } = await userWithPasskey(app);
    const { reply, assertion } = await passkeyLogin(app, credential);
    expect(reply.status).toBe(200);
    const replay = await call(app, 'POST', '/auth/passkeys/login/verify', undefined, { credential: assertion });
    expect([replay.status, replay.body]).toEqual([400, { detail: 'Invalid or expired challenge' }]);

    const opts = (await call(app, 'POST', '/auth/passkeys/login/options', undefined, {})).body.options;
    const once = assert(credential, opts.challenge, { origin: FRONT_END });
    const replies = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(app, 'POST', '/auth/passkeys/login/verify', undefined, { credential: once }),
      ),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400]);
  });

  test('a registration challenge does not serve a login', async () => {
    const { credential, access } = await userWithPasskey(app);
    const opts = (await call(app, 'POST', '/auth/passkeys/register/options', access)).body.options;
    const assertion = assert(credential, opts.challenge, { origin: FRONT_END });
    const reply = await call(app, 'POST', '/auth/passkeys/login/verify', undefined, { credential: assertion });
    expect([reply.status, reply.body]).toEqual([400, { detail: 'Invalid or expired challenge' }]);
  });

  test('another origin, RP ID, cross-origin frame or a tampered signature: 401', async () => {
    const { credential } = await userWithPasskey(app);
    for (const bad of [{ origin: 'http://localhost:4000' }, { rpId: 'example.com' }, { crossOrigin: true }]) {
      const { reply } = await passkeyLogin(app, credential, bad);
      expect([reply.status, reply.body]).toEqual([401, { detail: 'Passkey verification failed' }]);
    }
    const opts = (await call(app, 'POST', '/auth/passkeys/login/options', undefined, {})).body.options;
    const assertion = assert(credential, opts.challenge, { origin: FRONT_END }) as { response: { signature: string } };
    const sig = Buffer.from(assertion.response.signature, 'base64url');
    sig[sig.length - 1] ^= 1;
    assertion.response.signature = sig.toString('base64url');
    const forged = await call(app, 'POST', '/auth/passkeys/login/verify', undefined, { credential: assertion });
    expect(forged.status).toBe(401);
  });

  test('nobody’s credential, or a removed user’s under a new user of that name: Unknown passkey', async () => {
    const { username, credential } = await userWithPasskey(app);
    const stranger = { ...credential, id: Buffer.alloc(16, 7) };
    expect((await passkeyLogin(app, stranger)).reply.body).toEqual({ detail: 'Unknown passkey' });
    await app.deleteUser(username);
    await app.addUser(username, 'passkey passphrase 2');
    const { reply } = await passkeyLogin(app, credential);
    expect([reply.status, reply.body]).toEqual([401, { detail: 'Unknown passkey' }]);
  });

  test('a counter going backwards flags the passkey as cloned: refused until deleted', async () => {
    const { credential, access } = await userWithPasskey(app);
    expect((await passkeyLogin(app, credential, { counter: 5 })).reply.status).toBe(200);
    const clone = await passkeyLogin(app, credential, { counter: 3 });
    expect([clone.reply.status, clone.reply.body]).toEqual([401, { detail: 'Passkey verification failed' }]);
    // Even the genuine authenticator, counting on, is refused now.
    expect((await passkeyLogin(app, credential, { counter: 9 })).reply.status).toBe(401);
    expect((await list(access)).passkeys[0].clone_suspected).toBe(true);
  });

  test('a synced passkey (counter always 0) logs in again and again', async () => {
    const { credential, access } = await userWithPasskey(app, { synced: true });
    for (let i = 0; i < 2; i++) expect((await passkeyLogin(app, credential, { synced: true })).reply.status).toBe(200);
    const [p] = (await list(access)).passkeys;
    expect([p.device_type, p.backed_up, p.clone_suspected]).toEqual(['multiDevice', true, false]);
    expect(p.last_used_at).not.toBeNull();
  });

  test('without user verification, a user with TOTP on meets the MFA step; with it, not', async () => {
    const u = await enrolledUser(app);
    expect((await attemptLogin(app.url, u.username, u.password)).status).toBe(403); // the password alone: MFA step
    const { credential, reply: registered } = await registerPasskey(app, u.access);
    expect(registered.status).toBe(201);
    const { reply } = await passkeyLogin(app, credential, { uv: false });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      detail: 'MFA required',
      mfa_token: expect.any(String),
      mfa_methods: ['totp', 'recovery_code'],
      expires_in: 300,
    });
    await forgetLastStep(app, u.username);
    const verified = await call(app, 'POST', '/auth/mfa/verify', undefined, {
      mfa_token: reply.body.mfa_token,
      code: codeAt(u.secret),
    });
    expect(verified.status).toBe(200);
    expect((await passkeyLogin(app, credential, { uv: true })).reply.status).toBe(200);
  });
});

describe('managing passkeys', () => {
  test('rename: 200; another user’s or a malformed id: 404 Passkey not found', async () => {
    const a = await userWithPasskey(app);
    const b = await userWithPasskey(app);
    const renamed = await call(app, 'PATCH', `/auth/passkeys/${a.passkey.id}`, a.access, { name: 'Laptop' });
    expect([renamed.status, renamed.body.name]).toEqual([200, 'Laptop']);
    const theirs = await call(app, 'PATCH', `/auth/passkeys/${a.passkey.id}`, b.access, { name: 'Mine now' });
    expect([theirs.status, theirs.body]).toEqual([404, { detail: 'Passkey not found' }]);
    const malformed = await call(app, 'PATCH', '/auth/passkeys/not*an*id', a.access, { name: 'x' });
    expect(malformed.status).toBe(404);
    const badName = await call(app, 'PATCH', `/auth/passkeys/${a.passkey.id}`, a.access, { name: 'a\u0007b' });
    expect(badName.status).toBe(422);
    expect((await list(a.access)).passkeys[0].name).toBe('Laptop');
  });

  test('delete: 204, every other session ends, this one carries on, the passkey logs in no more', async () => {
    const { username, credential, access, passkey } = await userWithPasskey(app);
    const other = await login(app.url, username, 'passkey passphrase 1');
    const reply = await call(app, 'DELETE', `/auth/passkeys/${passkey.id}`, access);
    expect(reply.status).toBe(204);
    expect(refreshCookieOf(reply)).toBeDefined();
    expect((await me(access)).status).toBe(200);
    expect((await me(other.access)).status).toBe(401);
    expect((await list(access)).passkeys).toEqual([]);
    expect((await passkeyLogin(app, credential)).reply.body).toEqual({ detail: 'Unknown passkey' });
    const again = await call(app, 'DELETE', `/auth/passkeys/${passkey.id}`, access);
    expect(again.status).toBe(404);
  });

  test('a failing credential change puts the deleted passkey back (503, nothing half-done)', async () => {
    const { username, access, passkey } = await userWithPasskey(app);
    const other = await login(app.url, username, 'passkey passphrase 1');
    // The change's first write moves this session (UpdateItem): it fails, after the passkey was deleted.
    app.proxy.inject({ op: 'UpdateItem', mode: '5xx', times: 2 });
    const reply = await call(app, 'DELETE', `/auth/passkeys/${passkey.id}`, access);
    app.proxy.restore();
    expect(reply.status).toBe(503);
    expect((await list(access)).passkeys).toHaveLength(1);
    expect((await me(other.access)).status).toBe(200);
  });
});

describe('bad input changes nothing', () => {
  test('form bodies are 415, a malformed credential or username 422, unread', async () => {
    const formBody = await request(`${app.url}/auth/passkeys/login/verify`, 'POST', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'credential=x',
    });
    expect(formBody.status).toBe(415);
    const before = app.proxy.calls.length;
    for (const body of [{}, { credential: { id: 'x', type: 'public-key', response: {} } }, { credential: 'text' }]) {
      expect((await call(app, 'POST', '/auth/passkeys/login/verify', undefined, body)).status).toBe(422);
    }
    expect((await call(app, 'POST', '/auth/passkeys/login/options', undefined, { username: 'a\u0000b' })).status).toBe(
      422,
    );
    expect(app.proxy.calls.length).toBe(before);
  });
});
