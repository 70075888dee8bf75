import { decodeJwt } from 'jose';
import { startApp, type TestApp } from '../support/app';
import { claimsOf, form, refreshCookieOf, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const post = (init: { headers?: Record<string, string>; body?: string }) =>
  request(`${app.url}/auth/token`, 'POST', init);

describe('POST /auth/token', () => {
  test('logs in with a form body: bearer token, no-store, HttpOnly refresh cookie, session item with TTL', async () => {
    const before = Math.floor(Date.now() / 1000);
    const reply = await post(form({ username: 'johndoe', password: 'secret' }));

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(reply.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(reply.body.token_type).toBe('bearer');
    expect(reply.body.expires_in).toBe(900);
    expect(reply.setCookies).toHaveLength(1);
    const refresh = refreshCookieOf(reply)!;
    expect(reply.setCookies[0]).toBe(`refresh_token=${refresh}; HttpOnly; Max-Age=604800; Path=/auth; SameSite=Lax`);

    const access = claimsOf(reply.body.access_token);
    const rt = claimsOf(refresh);
    // Access tokens are RFC 9068 JWTs (typ at+jwt, no `type` claim) issued by this server's URL.
    expect(access).toMatchObject({ sub: 'johndoe', iss: app.url, aud: 'serverless-auth-api', client_id: 'web' });
    expect(access.type).toBeUndefined();
    expect(JSON.parse(Buffer.from(reply.body.access_token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'RS256',
      typ: 'at+jwt',
    });
    expect(access.exp - access.iat).toBe(900);
    expect(rt).toMatchObject({ sub: 'johndoe', type: 'refresh', sid: access.sid });
    expect(rt.exp - rt.iat).toBe(604800);
    expect(rt.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(access.jti).not.toBe(rt.jti);

    const item = await app.session(rt.sid);
    expect(item).toMatchObject({ username: 'johndoe', jti: rt.jti, gsi1pk: 'USER#johndoe' });
    expect(item!.expiresAt).toBeGreaterThanOrEqual(before + 604800);
    expect(item!.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 604800);
  });

  test('accepts a JSON body and grant_type=password', async () => {
    const reply = await post({
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ username: 'johndoe', password: 'secret', grant_type: 'password', scope: 'x' }),
    });
    expect(reply.status).toBe(200);
    expect(reply.body.token_type).toBe('bearer');
  });

  test('starts a new session on every login', async () => {
    const a = refreshCookieOf(await post(form({ username: 'johndoe', password: 'secret' })))!;
    const b = refreshCookieOf(await post(form({ username: 'johndoe', password: 'secret' })))!;
    expect(claimsOf(a).sid).not.toBe(claimsOf(b).sid);
    expect(await app.session(claimsOf(a).sid)).toBeDefined();
    expect(await app.session(claimsOf(b).sid)).toBeDefined();
  });

  describe.each([
    ['a wrong password', 'johndoe', 'wrong'],
    ['an unknown user', 'nobody', 'secret'],
    ['a disabled user with the right password', 'alice', 'secret2'],
    ['an over-long password', 'johndoe', 'secret' + 'x'.repeat(100)],
  ])('refuses %s', (_label, username, password) => {
    test('with the same 401, WWW-Authenticate: Bearer, no cookie and no session', async () => {
      const before = (await app.sessionsOf(username)).length;
      const reply = await post(form({ username, password }));
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ detail: 'Incorrect username or password' });
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      expect(reply.setCookies).toEqual([]);
      expect(await app.sessionsOf(username)).toHaveLength(before);
    });
  });

  test('refuses a password whose first 72 bytes match (bcrypt would ignore the rest)', async () => {
    await app.addUser('longpw', 'p'.repeat(72));
    expect((await post(form({ username: 'longpw', password: 'p'.repeat(72) }))).status).toBe(200);
    expect((await post(form({ username: 'longpw', password: 'p'.repeat(72) + 'anything' }))).status).toBe(401);
  });

  test('answers 422 in FastAPI shape for a missing password', async () => {
    const reply = await post(form({ username: 'johndoe' }));
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required' }] });
  });

  test('answers 422 with one entry per problem, empty fields counting as missing', async () => {
    const reply = await post(form({ username: '', password: '' }));
    expect(reply.status).toBe(422);
    expect(reply.body.detail).toEqual([
      { type: 'missing', loc: ['body', 'username'], msg: 'Field required' },
      { type: 'missing', loc: ['body', 'password'], msg: 'Field required' },
    ]);
  });

  test('answers 422 for a grant_type other than password', async () => {
    const reply = await post(form({ username: 'johndoe', password: 'secret', grant_type: 'client_credentials' }));
    expect(reply.status).toBe(422);
    expect(reply.body.detail).toEqual([
      {
        type: 'string_pattern_mismatch',
        loc: ['body', 'grant_type'],
        msg: "String should match pattern '^password$'",
        ctx: { pattern: '^password$' },
      },
    ]);
  });

  test('answers 422 for a JSON body that is not an object of strings, and for broken JSON', async () => {
    const json = (body: string) => post({ headers: { 'content-type': 'application/json' }, body });
    const typed = await json(JSON.stringify({ username: 42, password: 'secret' }));
    expect(typed.status).toBe(422);
    expect(typed.body.detail).toEqual([
      { type: 'string_type', loc: ['body', 'username'], msg: 'Input should be a valid string' },
    ]);
    const broken = await json('{"username": ');
    expect(broken.status).toBe(422);
    expect(broken.body.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body'] });
    expect((await json('[1,2]')).status).toBe(422);
  });

  test.each([
    ['over 128 characters', 'u'.repeat(129), 'string_too_long'],
    ['with a control character', 'john\u0000doe', 'value_error'],
    ['with a newline', 'john\ndoe', 'value_error'],
    ['with a zero-width space', 'johndoe\u200b', 'value_error'],
    ['with a bidi override', '\u202eeodnhoj', 'value_error'],
    ['of blanks', '   ', 'value_error'],
    ['that NFKC makes 1800 characters long', '\uFDFA'.repeat(100), 'string_too_long'],
  ])('answers 422 for a username %s without touching the table', async (_label, username, type) => {
    const before = app.proxy.requests;
    const reply = await post(form({ username, password: 'secret' }));
    expect(reply.status).toBe(422);
    expect(reply.body.detail).toEqual([expect.objectContaining({ type, loc: ['body', 'username'] })]);
    expect(app.proxy.requests).toBe(before);
  });

  test.each([['JohnDoe'], ['  johndoe '], ['ＪＯＨＮＤＯＥ']])(
    'compares usernames in canonical form: %j logs in as johndoe',
    async (username) => {
      const reply = await post(form({ username, password: 'secret' }));
      expect(reply.status).toBe(200);
      expect(decodeJwt(reply.body.access_token).sub).toBe('johndoe');
    },
  );

  test('accepts a username of exactly 128 characters (and looks it up)', async () => {
    const before = app.proxy.requests;
    const reply = await post(form({ username: 'u'.repeat(128), password: 'secret' }));
    expect(reply.status).toBe(401);
    expect(app.proxy.requests).toBeGreaterThan(before);
  });

  test('answers 415 for any other content type', async () => {
    const reply = await post({ headers: { 'content-type': 'text/plain' }, body: 'username=johndoe&password=secret' });
    expect(reply.status).toBe(415);
    expect(reply.body).toEqual({ detail: expect.stringContaining('Unsupported media type') });
  });

  test('answers 413 for a body over 16 KiB, before reading any field', async () => {
    const before = app.proxy.requests;
    const reply = await post(form({ username: 'johndoe', password: 'secret', pad: 'x'.repeat(16 * 1024) }));
    expect(reply.status).toBe(413);
    expect(reply.body).toEqual({ detail: expect.stringContaining('too large') });
    expect(app.proxy.requests).toBe(before);
  });

  test('accepts a body of exactly 16 KiB', async () => {
    const base = new URLSearchParams({ username: 'johndoe', password: 'secret', pad: '' }).toString();
    const reply = await post({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: base + 'x'.repeat(16 * 1024 - base.length),
    });
    expect(reply.status).toBe(200);
  });

  test('answers 503 and writes no session when the store is unreachable', async () => {
    const before = (await app.sessionsOf('johndoe')).length;
    app.proxy.cut();
    try {
      const reply = await post(form({ username: 'johndoe', password: 'secret' }));
      expect(reply.status).toBe(503);
      expect(reply.body).toEqual({ detail: 'Service unavailable' });
      expect(reply.setCookies).toEqual([]);
    } finally {
      app.proxy.restore();
    }
    expect(await app.sessionsOf('johndoe')).toHaveLength(before);
    const logs = (globalThis as { __logLines?: string[] }).__logLines!;
    expect(logs.some((l) => l.includes('dependency_unavailable'))).toBe(true);
  });
});
