import { startApp, type TestApp } from '../support/app';
import { form, request } from '../support/http';

// COOKIE_HOST_PREFIX=true (docs/clients.md): the refresh cookie is `__Host-refresh_token`, Secure,
// Path=/ and no Domain, which browsers keep only from this host, so no sibling subdomain can set one
// that shadows it; a plain `refresh_token` beside it is not the refresh cookie.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ COOKIE_HOST_PREFIX: 'true', COOKIE_SECURE: 'true' });
});
afterAll(() => app.close());

const cookie = (value: string) => ({ headers: { cookie: value } });

test('the login sets __Host-refresh_token (Secure, Path=/, no Domain); the cookie routes read only it', async () => {
  const login = await request(`${app.url}/auth/token`, 'POST', form({ username: 'johndoe', password: 'secret' }));
  expect(login.status).toBe(200);
  const [set] = login.setCookies;
  expect(set).toMatch(/^__Host-refresh_token=[^;]+; HttpOnly; Max-Age=\d+; Path=\/; SameSite=Lax; Secure$/);
  expect(set).not.toMatch(/Domain=/i);
  const token = set.match(/^__Host-refresh_token=([^;]+)/)![1];

  // A plain refresh_token (what a sibling could toss) is ignored: no refresh cookie at all.
  const plain = await request(`${app.url}/auth/refresh`, 'POST', cookie(`refresh_token=${token}`));
  expect([plain.status, plain.body]).toEqual([401, { detail: 'Invalid refresh token' }]);
  const both = await request(
    `${app.url}/auth/refresh`,
    'POST',
    cookie(`refresh_token=tossed; __Host-refresh_token=${token}`),
  );
  expect(both.status).toBe(200);
  const rotated = both.setCookies[0].match(/^__Host-refresh_token=([^;]+)/)![1];
  const out = await request(`${app.url}/auth/logout`, 'POST', cookie(`__Host-refresh_token=${rotated}`));
  expect(out.setCookies).toEqual(['__Host-refresh_token=; HttpOnly; Max-Age=0; Path=/; SameSite=Lax; Secure']);
  const after = await request(`${app.url}/auth/refresh`, 'POST', cookie(`__Host-refresh_token=${rotated}`));
  expect(after.status).toBe(401);
});
