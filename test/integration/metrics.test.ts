import { startApp, type TestApp } from '../support/app';
import { attemptLogin, login, request } from '../support/http';
import { emfSince, logCount, metricCounts } from '../support/emf';
import { codeAt, enrolledUser, firstFactor, forgetLastStep, json, verify } from '../support/mfa';

// The audit events that are metrics leave the functions as CloudWatch embedded metric format (EMF)
// lines: this runs the flows through the dev server and reads the lines the handlers wrote, checking
// the namespace, metric names and dimensions the alarms of lib/monitoring.ts are built on.

let app: TestApp;
beforeAll(async () => {
  // Metrics are on in every test process (test/support/capture-logs.ts), as in a deployed function.
  app = await startApp();
});
afterAll(() => app.close());

test('each flow writes its audit events as EMF counts: namespace AuthApi, dimension service=auth-api', async () => {
  const before = logCount();
  const a = await login(app.url);
  const refreshed = await request(`${app.url}/auth/refresh`, 'POST', { cookie: a.refresh });
  expect(refreshed.status).toBe(200);
  // The token it replaced, long after the grace window: a replay.
  await app.updateSession(a.sid, { rotatedAt: Date.now() - 60_000 });
  expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: a.refresh })).status).toBe(401);
  await app.addUser('metered', 'pw-metered');
  for (let i = 0; i < 6; i++) await attemptLogin(app.url, 'metered', 'wrong');
  const b = await login(app.url);
  await request(`${app.url}/auth/logout`, 'POST', { cookie: b.refresh });
  expect(metricCounts(emfSince(before))).toEqual({
    login_succeeded: 2,
    refresh: 1,
    refresh_token_reuse: 1,
    login_failed: 5,
    login_locked: 1,
    logout: 1,
  });
});

test("the second factor's events are counted too: the alarm on mfa_failed has its metric", async () => {
  const before = logCount();
  const u = await enrolledUser(app); // a login, TOTP enabled
  const token = await firstFactor(app, u.username, u.password);
  await verify(app, { mfa_token: token, code: codeAt(u.secret, 5) });
  await forgetLastStep(app, u.username);
  expect((await verify(app, { mfa_token: token, recovery_code: u.recoveryCodes[0] })).status).toBe(200);
  const regenerated = await request(`${app.url}/auth/mfa/recovery-codes`, 'POST', { bearer: u.access });
  expect(regenerated.status).toBe(200);
  const off = { bearer: u.access, ...json({ code: codeAt(u.secret) }) };
  expect((await request(`${app.url}/auth/mfa/totp/disable`, 'POST', off)).status).toBe(200);
  expect(metricCounts(emfSince(before))).toEqual({
    login_succeeded: 2,
    totp_enabled: 1,
    mfa_required: 1,
    mfa_failed: 1,
    recovery_code_used: 1,
    recovery_codes_regenerated: 1,
    totp_disabled: 1,
  });
});

test('a request that records no counted event writes no metric line', async () => {
  const before = logCount();
  expect((await request(`${app.url}/.well-known/jwks.json`, 'GET')).status).toBe(200);
  const s = await login(app.url);
  const sinceLogin = logCount();
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: s.access })).status).toBe(200);
  expect(emfSince(sinceLogin)).toEqual([]);
  expect(metricCounts(emfSince(before))).toEqual({ login_succeeded: 1 });
});
