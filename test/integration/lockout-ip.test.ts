import { startApp, type TestApp } from '../support/app';
import { attemptLogin } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ LOGIN_IP_MAX_FAILURES: '4' });
});
afterAll(() => app.close());

const attempt = (username: string, password: string) => attemptLogin(app.url, username, password);

test('over LOGIN_IP_MAX_FAILURES failures from one IP refuse every login from it, whatever the username', async () => {
  for (let i = 0; i < 5; i++) expect((await attempt(`spray-${i}`, 'guess')).status).toBe(401);
  const refused = await attempt('johndoe', 'secret');
  expect(refused.status).toBe(429);
  expect(refused.body).toEqual({ detail: 'Too many failed login attempts' });
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(890);
  expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(900);
});
