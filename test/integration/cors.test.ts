import { startApp, type TestApp } from '../support/app';
import { login, refreshCookieOf, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOWED_ORIGINS: 'https://app.example.com,http://localhost:3000' });
});
afterAll(() => app.close());

describe('ALLOWED_ORIGINS', () => {
  test('a listed origin may use the cookie routes, even cross-site, and gets CORS with credentials', async () => {
    const s = await login(app.url);
    const reply = await request(`${app.url}/auth/refresh`, 'POST', {
      cookie: s.refresh,
      headers: { origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(reply.headers.get('access-control-allow-credentials')).toBe('true');
    const out = await request(`${app.url}/auth/logout`, 'POST', {
      cookie: refreshCookieOf(reply)!,
      headers: { origin: 'http://localhost:3000' },
    });
    expect(out.status).toBe(200);
  });

  test("a listed front end's script can read Retry-After on a lockout's 429", async () => {
    const username = await app.freshUser('right');
    const headers = { origin: 'http://localhost:3000', 'content-type': 'application/x-www-form-urlencoded' };
    const attempt = () =>
      request(`${app.url}/auth/token`, 'POST', { headers, body: `username=${username}&password=wrong` });
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401);
    const reply = await attempt();
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(reply.headers.get('access-control-expose-headers')?.split(',')).toContain('retry-after');
  });

  test('an unlisted origin gets 403 on cookie routes and no CORS headers anywhere', async () => {
    const s = await login(app.url);
    const reply = await request(`${app.url}/auth/refresh`, 'POST', {
      cookie: s.refresh,
      headers: { origin: 'https://evil.example' },
    });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    const meReply = await request(`${app.url}/users/me`, 'GET', {
      bearer: s.access,
      headers: { origin: 'https://evil.example' },
    });
    expect(meReply.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('answers the preflight of a listed origin, and not of others', async () => {
    const ok = await request(`${app.url}/auth/refresh`, 'OPTIONS', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    const no = await request(`${app.url}/auth/refresh`, 'OPTIONS', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    expect(no.status).toBe(405);
  });
});

describe("login CSRF (POST /auth/token follows the cookie routes' Origin rule)", () => {
  const loginFrom = (headers: Record<string, string>) =>
    request(`${app.url}/auth/token`, 'POST', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: 'username=johndoe&password=secret',
    });

  test('a cross-site form of an unlisted origin cannot log the browser in: 403, no cookie', async () => {
    const attempts: Record<string, string>[] = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of attempts) {
      const reply = await loginFrom(headers);
      expect([reply.status, reply.body, reply.setCookies]).toEqual([403, { detail: 'Origin not allowed' }, []]);
    }
  });

  test('a listed front end, the API itself, and clients without Origin (curl, servers) still log in', async () => {
    const allowed: Record<string, string>[] = [
      { origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' },
      { origin: app.url, 'sec-fetch-site': 'same-origin' },
      {},
    ];
    for (const headers of allowed) {
      const reply = await loginFrom(headers);
      expect(reply.status).toBe(200);
      expect(refreshCookieOf(reply)).toBeDefined();
    }
  });
});
