import { startApp, type TestApp } from '../support/app';
import { claimsOf, forge, login, request, tamper, unsigned } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const me = (headers: Record<string, string> = {}) => request(`${app.url}/users/me`, 'GET', { headers });

async function expectInvalid(token: string) {
  const reply = await me({ authorization: `Bearer ${token}` });
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ detail: 'Could not validate credentials' });
  // RFC 6750 §3.1: a refused token is invalid_token (the body stays FastAPI's).
  expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

describe('GET /users/me', () => {
  test('answers the profile of the token user, never the hash', async () => {
    const { access } = await login(app.url);
    const reply = await me({ authorization: `Bearer ${access}` });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      username: 'johndoe',
      email: 'johndoe@example.com',
      full_name: 'John Doe',
      disabled: false,
    });
    expect(reply.headers.get('content-type')).toBe('application/json');
  });

  test('answers 401 Not authenticated with no Authorization header, or one of another scheme', async () => {
    for (const headers of [{}, { authorization: 'Basic am9objpzZWNyZXQ=' }, { authorization: 'Bearer' }] as Record<
      string,
      string
    >[]) {
      const reply = await me(headers);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ detail: 'Not authenticated' });
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  describe('answers 401 Could not validate credentials for', () => {
    let access: string;
    let claims: Record<string, unknown>;
    beforeAll(async () => {
      ({ access } = await login(app.url));
      const c = claimsOf(access);
      claims = { sub: c.sub, type: 'access', sid: c.sid, jti: c.jti };
    });
    test('nothing when the token is genuine (control)', async () => {
      expect((await me({ authorization: `Bearer ${await forge(claims)}` })).status).toBe(200);
    });
    test('garbage', () => expectInvalid('garbage'));
    test('a forged signature', async () =>
      expectInvalid(await forge(claims, { key: 'attacker-key-attacker-key-attacker-key!!' })));
    test('alg: none', () => expectInvalid(unsigned(claims)));
    test('HS384 with the right key', async () => expectInvalid(await forge(claims, { alg: 'HS384' })));
    test('an expired token', async () => {
      const past = Math.floor(Date.now() / 1000) - 10;
      await expectInvalid(await forge(claims, { iat: past - 900, exp: past }));
    });
    test('a refresh token', async () => expectInvalid((await login(app.url)).refresh));
    test('a payload changed under the original signature', () => expectInvalid(tamper(access, { sub: 'alice' })));
    test('a genuine signature whose subject is not the session owner', async () =>
      expectInvalid(await forge({ ...claims, sub: 'alice' })));
    test('a session that was deleted', async () => {
      const session = await login(app.url);
      await request(`${app.url}/auth/logout`, 'POST', { cookie: session.refresh });
      await expectInvalid(session.access);
    });
    test('a session past its expiresAt still in the table', async () => {
      const session = await login(app.url);
      await app.updateSession(session.sid, { expiresAt: Math.floor(Date.now() / 1000) });
      await expectInvalid(session.access);
    });
    test('a deleted user', async () => {
      await app.addUser('erin', 'pw-erin');
      const session = await login(app.url, 'erin', 'pw-erin');
      await app.deleteUser('erin');
      await expectInvalid(session.access);
    });
  });

  test('answers 400 Inactive user when a disabled user token still has a live session', async () => {
    await app.addUser('frank', 'pw-frank', { email: 'f@example.com' });
    const session = await login(app.url, 'frank', 'pw-frank');
    await app.updateUser('frank', { disabled: true });
    const reply = await me({ authorization: `Bearer ${session.access}` });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ detail: 'Inactive user' });
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
  });

  test('answers 503 when the store is unreachable', async () => {
    const { access } = await login(app.url);
    app.proxy.cut();
    try {
      const reply = await me({ authorization: `Bearer ${access}` });
      expect(reply.status).toBe(503);
      expect(reply.body).toEqual({ detail: 'Service unavailable' });
    } finally {
      app.proxy.restore();
    }
    expect((await me({ authorization: `Bearer ${access}` })).status).toBe(200);
  });
});
