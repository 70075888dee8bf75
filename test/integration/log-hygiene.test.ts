import { startApp, type TestApp } from '../support/app';
import { login, refreshCookieOf, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const lines = () => (globalThis as { __logLines?: string[] }).__logLines!;

test('each audit event is logged once as JSON with who and where, no token, cookie, password or header', async () => {
  const before = lines().length;
  const tokens: string[] = [];

  await request(`${app.url}/auth/token`, 'POST', {
    headers: { 'content-type': 'application/json' },
    body: '{"username":"johndoe","password":"not-the-password"}',
  });
  const a = await login(app.url);
  const b = await login(app.url);
  const refreshed = await request(`${app.url}/auth/refresh`, 'POST', {
    cookie: a.refresh,
    headers: { 'user-agent': 'hygiene-test' },
  });
  const rotated = refreshCookieOf(refreshed)!;
  tokens.push(a.access, a.refresh, b.access, b.refresh, rotated, refreshed.body.access_token);
  await request(`${app.url}/auth/sessions/${b.sid}`, 'DELETE', { bearer: a.access });
  await app.updateSession(a.sid, { rotatedAt: Date.now() - 60_000 });
  await request(`${app.url}/auth/refresh`, 'POST', { cookie: a.refresh }); // a replay: reuse detected
  const c = await login(app.url);
  const d = await login(app.url);
  tokens.push(c.access, c.refresh, d.access, d.refresh);
  await request(`${app.url}/auth/logout`, 'POST', { cookie: c.refresh, bearer: c.access });
  await request(`${app.url}/auth/logout-all`, 'POST', { bearer: d.access });
  for (let i = 0; i < 6; i++)
    await request(`${app.url}/auth/token`, 'POST', {
      headers: { 'content-type': 'application/json' },
      body: '{"username":"mallet","password":"not-the-password"}',
    });

  const logged = lines().slice(before);
  const events = logged.map((l) => JSON.parse(l)).filter((l) => l.audit);
  expect(new Set(events.map((e) => e.event))).toEqual(
    new Set([
      'login_succeeded',
      'login_failed',
      'login_locked',
      'refresh',
      'refresh_token_reuse',
      'logout',
      'logout_all',
      'session_deleted',
    ]),
  );
  for (const e of events) {
    expect(e).toMatchObject({ level: 'INFO', sourceIp: expect.any(String), userAgent: expect.any(String) });
    // Who: the username, or for a name that is no user, only its keyed hash (it may be a password).
    expect([typeof e.username, typeof e.username_hash]).toContainEqual('string');
    if (e.event !== 'login_failed' && e.event !== 'login_locked') expect(e.sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
  }
  expect(events.find((e) => e.event === 'refresh' && e.userAgent === 'hygiene-test')).toBeDefined();
  expect(events.find((e) => e.event === 'logout_all')).toMatchObject({ username: 'johndoe', revoked: 1 });

  const text = logged.join('\n');
  expect(tokens).toHaveLength(10);
  for (const token of tokens) {
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]); // not even the signature alone
  }
  expect(text).not.toContain('not-the-password');
  expect(text).not.toContain('mallet'); // no such user: only its keyed hash is logged
  const mallet = events.filter((e) => e.username_hash && (e.event === 'login_failed' || e.event === 'login_locked'));
  expect(new Set(mallet.map((e) => e.username_hash)).size).toBe(1); // stable, so attempts still correlate
  expect(mallet.length).toBeGreaterThanOrEqual(6);
  expect(text).not.toContain('"secret"'); // johndoe's password as a JSON value
  expect(text).not.toMatch(/authorization|cookie|refresh_token=|\$2[aby]\$/i);
});
