import { startApp, type TestApp } from '../support/app';
import { forge, login, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const call = (path: string, token?: string) =>
  request(`${app.url}${path}`, 'GET', token === undefined ? {} : { bearer: token });

describe('protected routes of your own, served by the dev server behind the same two authorizers', () => {
  test('both answer the caller, read through caller(event)', async () => {
    const { access, sid } = await login(app.url);
    for (const path of ['/examples/jwt', '/examples/session']) {
      const reply = await call(path, access);
      expect([path, reply.status, reply.body]).toEqual([
        path,
        200,
        { username: 'johndoe', session: sid, client_id: 'web' },
      ]);
    }
  });

  test('after logout the session authorizer refuses the token at once, the JWT one takes it till expiry', async () => {
    const session = await login(app.url);
    await request(`${app.url}/auth/logout`, 'POST', { cookie: session.refresh });
    expect((await call('/examples/session', session.access)).status).toBe(403);
    expect((await call('/examples/session', session.access)).body).toEqual({ message: 'Forbidden' });
    const jwt = await call('/examples/jwt', session.access);
    expect([jwt.status, jwt.body.username]).toEqual([200, 'johndoe']);
  });

  test("no token is API Gateway's 401 on both; a bad token is 401 (JWT) or 403 (session)", async () => {
    for (const path of ['/examples/jwt', '/examples/session']) {
      expect([path, (await call(path)).status, (await call(path)).body]).toEqual([
        path,
        401,
        { message: 'Unauthorized' },
      ]);
    }
    const { access, refresh } = await login(app.url);
    const attacker = await forge(
      { sub: 'johndoe', type: 'access', sid: 'A'.repeat(22), jti: 'B'.repeat(22) },
      { key: 'x' },
    );
    for (const bad of ['garbage', refresh, attacker, access.slice(0, -2)]) {
      expect((await call('/examples/jwt', bad)).status).toBe(401);
      expect((await call('/examples/session', bad)).status).toBe(403);
    }
  });

  test('an expired access token is refused by both', async () => {
    const { access } = await login(app.url);
    const { iat: _iat, exp: _exp, ...claims } = JSON.parse(Buffer.from(access.split('.')[1], 'base64url').toString());
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = await forge({ ...claims, type: 'access' }, { iat: past - 900, exp: past });
    expect((await call('/examples/jwt', await forge({ ...claims, type: 'access' }))).status).toBe(200); // control
    expect((await call('/examples/jwt', expired)).status).toBe(401);
    expect((await call('/examples/session', expired)).status).toBe(403);
  });
});

describe('npm run smoke', () => {
  test('passes every check against the dev server', async () => {
    const { runSmoke } = await import('../../dev/smoke');
    const checks = await runSmoke(`${app.url}/`, 'johndoe', 'secret');
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.length).toBeGreaterThanOrEqual(10);
  });

  test('reports a failure (a wrong password stops it at the login)', async () => {
    const { runSmoke } = await import('../../dev/smoke');
    const checks = await runSmoke(app.url, 'johndoe', 'wrong');
    expect(checks.at(-1)).toMatchObject({ name: 'a login answers 200 with an access token', ok: false });
  });
});
