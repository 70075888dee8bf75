import { startApp, type TestApp } from '../support/app';
import { login, refreshCookieOf, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ REFRESH_REUSE_GRACE_SECONDS: '0' });
});
afterAll(() => app.close());

test('REFRESH_REUSE_GRACE_SECONDS=0 turns the grace window off: the replaced token is a replay at once', async () => {
  const session = await login(app.url);
  const first = await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh });
  expect(first.status).toBe(200);
  const retry = await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh });
  expect(retry.status).toBe(401);
  expect(await app.session(session.sid)).toBeUndefined();
  expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: refreshCookieOf(first)! })).status).toBe(401);
});
