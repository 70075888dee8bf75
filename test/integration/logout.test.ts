import { startApp, type TestApp } from '../support/app';
import { claimsOf, forge, login, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const CLEARED = 'refresh_token=; HttpOnly; Max-Age=0; Path=/auth; SameSite=Lax';
const logout = (options: { cookie?: string; bearer?: string } = {}) =>
  request(`${app.url}/auth/logout`, 'POST', options);
const refresh = (cookie: string) => request(`${app.url}/auth/refresh`, 'POST', { cookie });
const me = (bearer: string) => request(`${app.url}/users/me`, 'GET', { bearer });

function expectLoggedOut(reply: Awaited<ReturnType<typeof logout>>) {
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ message: 'Successfully logged out' });
  expect(reply.headers.get('content-type')).toBe('application/json');
  expect(reply.setCookies).toEqual([CLEARED]);
}

describe('POST /auth/logout', () => {
  test('deletes the session: its refresh token and its access tokens are refused afterwards', async () => {
    const session = await login(app.url);
    expect((await me(session.access)).status).toBe(200);

    expectLoggedOut(await logout({ cookie: session.refresh }));

    expect(await app.session(session.sid)).toBeUndefined();
    expect((await refresh(session.refresh)).status).toBe(401);
    const after = await me(session.access);
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ detail: 'Could not validate credentials' });
  });

  test('ends only the session named, not the user other sessions', async () => {
    const one = await login(app.url);
    const two = await login(app.url);
    await logout({ cookie: one.refresh });
    expect(await app.session(one.sid)).toBeUndefined();
    expect((await refresh(two.refresh)).status).toBe(200);
  });

  test('ends the session named by the Bearer access token alone', async () => {
    const session = await login(app.url);
    expectLoggedOut(await logout({ bearer: session.access }));
    expect(await app.session(session.sid)).toBeUndefined();
    expect((await refresh(session.refresh)).status).toBe(401);
  });

  test('ends both sessions when the cookie and the Bearer token name different ones', async () => {
    const a = await login(app.url);
    const b = await login(app.url);
    expectLoggedOut(await logout({ cookie: a.refresh, bearer: b.access }));
    expect(await app.session(a.sid)).toBeUndefined();
    expect(await app.session(b.sid)).toBeUndefined();
  });

  test('ends the session named by a genuine but expired refresh token', async () => {
    const session = await login(app.url);
    const c = claimsOf(session.refresh);
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await forge(
      { sub: c.sub, type: 'refresh', sid: c.sid, jti: c.jti },
      { iat: past - 600, exp: past },
    );
    expectLoggedOut(await logout({ cookie: expired }));
    expect(await app.session(session.sid)).toBeUndefined();
  });

  test('does not end a session named by a forged token, yet still answers 200', async () => {
    const session = await login(app.url);
    const c = claimsOf(session.refresh);
    const forged = await forge(
      { sub: c.sub, type: 'refresh', sid: c.sid, jti: c.jti },
      { key: 'attacker-key-attacker-key-attacker-key!!' },
    );
    expectLoggedOut(await logout({ cookie: forged }));
    expect(await app.session(session.sid)).toBeDefined();
    expect((await refresh(session.refresh)).status).toBe(200);
  });

  test('does not take an access token from the cookie or a refresh token from the header', async () => {
    const session = await login(app.url);
    expectLoggedOut(await logout({ cookie: session.access, bearer: session.refresh }));
    expect(await app.session(session.sid)).toBeDefined();
  });

  test('answers 200 and clears the cookie with no token, an invalid token, or an already revoked one', async () => {
    expectLoggedOut(await logout());
    expectLoggedOut(await logout({ cookie: 'garbage' }));
    expectLoggedOut(await logout({ bearer: 'garbage' }));
    const session = await login(app.url);
    expectLoggedOut(await logout({ cookie: session.refresh }));
    expectLoggedOut(await logout({ cookie: session.refresh }));
  });

  test('answers 503, keeps the cookie and the session when the store is unreachable; a retry then works', async () => {
    const session = await login(app.url);
    app.proxy.cut();
    try {
      const reply = await logout({ cookie: session.refresh });
      expect(reply.status).toBe(503);
      expect(reply.body).toEqual({ detail: 'Service unavailable' });
      expect(reply.setCookies).toEqual([]);
    } finally {
      app.proxy.restore();
    }
    expect(await app.session(session.sid)).toBeDefined();
    expectLoggedOut(await logout({ cookie: session.refresh }));
    expect(await app.session(session.sid)).toBeUndefined();
  });
});
