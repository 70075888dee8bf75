import { startApp, type TestApp } from '../support/app';
import { claimsOf, forge, login, request, tamper, unsigned } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const refresh = (cookie?: string, headers?: Record<string, string>) =>
  request(`${app.url}/auth/refresh`, 'POST', { cookie, headers });
const me = (bearer: string) => request(`${app.url}/users/me`, 'GET', { bearer });

async function expectRefused(cookie: string | undefined) {
  const reply = await refresh(cookie);
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ detail: 'Invalid refresh token' });
  // A failed refresh never clears the cookie: another request may just have set a fresh one.
  expect(reply.setCookies).toEqual([]);
}

describe('POST /auth/refresh', () => {
  test('answers a new access token for the same session that works on /users/me', async () => {
    const session = await login(app.url);
    const reply = await refresh(session.refresh);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(Object.keys(reply.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(reply.body).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    const claims = claimsOf(reply.body.access_token);
    expect(claims).toMatchObject({ sub: 'johndoe', sid: session.sid, client_id: 'web' });
    expect(claims.jti).not.toBe(claimsOf(session.access).jti);
    expect((await me(reply.body.access_token)).status).toBe(200);
  });

  test('refuses a request with no cookie', async () => {
    await expectRefused(undefined);
    await expectRefused('');
  });

  test('refuses a malformed token', async () => {
    await expectRefused('not-a-jwt');
    await expectRefused('a.b.c');
  });

  describe('refuses attacks on the token itself', () => {
    let base: Awaited<ReturnType<typeof login>>;
    let claims: Record<string, unknown>;
    beforeAll(async () => {
      base = await login(app.url);
      const c = claimsOf(base.refresh);
      claims = { sub: c.sub, type: 'refresh', sid: c.sid, jti: c.jti };
    });

    test('the genuine token works (control)', async () => {
      expect((await refresh(await forge(claims))).status).toBe(200);
    });
    test('a signature made with another key', async () =>
      expectRefused(await forge(claims, { key: 'another-key-that-is-long-enough-0123456789' })));
    test('alg: none', async () => expectRefused(unsigned(claims)));
    test('another HMAC algorithm with the right key (HS512)', async () =>
      expectRefused(await forge(claims, { alg: 'HS512' })));
    test('an access token presented as refresh token', async () => expectRefused(base.access));
    test('an expired token', async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      await expectRefused(await forge(claims, { iat: past - 60, exp: past }));
    });
    test('a payload changed under the original signature', async () => {
      await expectRefused(tamper(base.refresh, { sub: 'alice' }));
      await expectRefused(tamper(base.refresh, { exp: Math.floor(Date.now() / 1000) + 10 ** 8 }));
    });
    test('a wrong issuer or audience', async () => {
      await expectRefused(await forge({ ...claims, iss: 'someone-else' }));
      await expectRefused(await forge({ ...claims, aud: 'another-api' }));
    });
    test('a token whose type claim is missing or unknown', async () => {
      await expectRefused(await forge({ ...claims, type: undefined }));
      await expectRefused(await forge({ ...claims, type: 'id' }));
    });
    test('a genuine signature whose jti is not the session current one', async () => {
      await expectRefused(await forge({ ...claims, jti: 'AAAAAAAAAAAAAAAAAAAAAA' }));
    });
    test('a genuine signature naming another user session', async () => {
      await expectRefused(await forge({ ...claims, sub: 'alice' }));
    });
  });

  test('refuses the token once its session item is deleted', async () => {
    const session = await login(app.url);
    await app.db.send(
      new (await import('@aws-sdk/lib-dynamodb')).DeleteCommand({
        TableName: app.tableName,
        Key: { pk: `SESSION#${session.sid}`, sk: 'SESSION' },
      }),
    );
    await expectRefused(session.refresh);
  });

  test('refuses a session past its expiresAt even though the item is still in the table', async () => {
    const session = await login(app.url);
    await app.updateSession(session.sid, { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect(await app.session(session.sid)).toBeDefined();
    await expectRefused(session.refresh);
  });

  test('refuses once the user is disabled', async () => {
    await app.addUser('carol', 'pw-carol');
    const session = await login(app.url, 'carol', 'pw-carol');
    await app.updateUser('carol', { disabled: true });
    await expectRefused(session.refresh);
  });

  test('refuses once the user is deleted', async () => {
    await app.addUser('dave', 'pw-dave');
    const session = await login(app.url, 'dave', 'pw-dave');
    await app.deleteUser('dave');
    await expectRefused(session.refresh);
  });

  test('refuses sessions created before the user ended all sessions', async () => {
    const session = await login(app.url);
    await app.updateUser('johndoe', { sessionsValidAfter: Date.now() });
    await expectRefused(session.refresh);
    const fresh = await login(app.url);
    expect((await refresh(fresh.refresh)).status).toBe(200);
  });

  test('answers 503 when the store is unreachable, and the token still works afterwards', async () => {
    const session = await login(app.url);
    app.proxy.cut();
    try {
      const reply = await refresh(session.refresh);
      expect(reply.status).toBe(503);
      expect(reply.body).toEqual({ detail: 'Service unavailable' });
      expect(reply.setCookies).toEqual([]);
    } finally {
      app.proxy.restore();
    }
    expect((await refresh(session.refresh)).status).toBe(200);
  });
});
