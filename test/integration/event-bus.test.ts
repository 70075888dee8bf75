import { eventLog } from '../../dev/event-log';
import { usernameSkeleton } from '../../functions/core/username-skeleton';
import { startApp, type TestApp } from '../support/app';
import { SESSION_EVENTS, busEvents, expectWellFormed } from '../support/bus-events';
import { attemptLogin, form, login, refreshCookieOf, request } from '../support/http';
import { lastLinkToken, mailSettled } from '../support/mail';
import { codeAt, enrolledUser, firstFactor, forgetLastStep, json, verify } from '../support/mfa';
import { legacyService, vouch } from '../support/legacy-service';
import { FRONT_END, call, passkeyLogin, userWithPasskey } from '../support/passkeys';

// Every audit event of the session, account, MFA, passkey and migration routes reaches the dev
// server's event bus (GET /_dev/events, docs/events.md) in EventBridge's envelope, with the
// documented fields only, from a function the stack lets publish; a bus that refuses costs the
// request nothing and is counted. event-bus-oauth.test.ts does the same for the OAuth routes.

const LEGACY_PASSWORD = 'legacy passphrase 1';
let legacy: Awaited<ReturnType<typeof legacyService>>;
let app: TestApp;
beforeAll(async () => {
  // A legacy system that vouches for anyone with its password (lazy migration, docs/importing-users.md).
  legacy = await legacyService((event, res) => {
    if (event.request.password !== LEGACY_PASSWORD) return res.writeHead(400).end('{"errorMessage":"no"}');
    vouch(res, event, { email: `${event.userName}@legacy.example` });
  });
  app = await startApp({
    ALLOW_SIGNUP: 'true',
    ALLOWED_ORIGINS: FRONT_END,
    MAX_SESSIONS_PER_USER: '2',
    LEGACY_MIGRATION_URL: legacy.url,
  });
});
afterAll(async () => {
  await app.close();
  legacy.close();
});

const PASSWORD = 'event passphrase 1';
const secrets: string[] = [PASSWORD, LEGACY_PASSWORD];
const post = (path: string, bearer: string, body?: Record<string, unknown>) =>
  request(`${app.url}${path}`, 'POST', { bearer, ...(body ? json(body) : {}) });
const keep = <T extends { access: string; refresh: string }>(s: T): T => {
  secrets.push(s.access, s.refresh);
  return s;
};

async function sessions(username: string) {
  const a = keep(await login(app.url, username, PASSWORD));
  const refreshed = await request(`${app.url}/auth/refresh`, 'POST', { cookie: a.refresh });
  secrets.push(refreshCookieOf(refreshed)!, refreshed.body.access_token);
  await app.updateSession(a.sid, { rotatedAt: Date.now() - 60_000 });
  expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: a.refresh })).status).toBe(401); // reuse
  const b = keep(await login(app.url, username, PASSWORD));
  const c = keep(await login(app.url, username, PASSWORD));
  const d = keep(await login(app.url, username, PASSWORD)); // the cap is 2: b is evicted
  expect((await request(`${app.url}/auth/sessions/${c.sid}`, 'DELETE', { bearer: d.access })).status).toBe(204);
  const e = keep(await login(app.url, username, PASSWORD));
  expect((await request(`${app.url}/auth/logout`, 'POST', { cookie: e.refresh, bearer: e.access })).status).toBe(200);
  expect((await request(`${app.url}/auth/logout-all`, 'POST', { bearer: d.access })).status).toBe(200);
  return b;
}

async function failures(username: string) {
  expect((await attemptLogin(app.url, username, 'not the passphrase')).status).toBe(401);
  for (let i = 0; i < 6; i++) await attemptLogin(app.url, 'nobody-at-all', 'not the passphrase');
}

async function accounts(username: string) {
  const f = keep(await login(app.url, username, PASSWORD));
  const changed = await post('/auth/password', f.access, { current_password: PASSWORD, new_password: `${PASSWORD}!` });
  expect(changed.status).toBe(200);
  await request(`${app.url}/auth/password/forgot`, 'POST', json({ username }));
  const reset = await request(
    `${app.url}/auth/password/reset`,
    'POST',
    json({ token: await lastLinkToken(`${username}@example.com`), new_password: PASSWORD }),
  );
  expect(reset.status).toBe(200);
  const signup = await request(
    `${app.url}/auth/signup`,
    'POST',
    json({ username: 'evie-events', email: 'evie@example.com', password: PASSWORD }),
  );
  expect(signup.status).toBe(201);
  const verified = await request(
    `${app.url}/auth/email/verify`,
    'POST',
    json({ token: await lastLinkToken('evie@example.com') }),
  );
  expect(verified.status).toBe(200);
}

async function mfa() {
  const u = keep(await enrolledUser(app, PASSWORD));
  secrets.push(u.secret, ...u.recoveryCodes);
  expect((await verify(app, { mfa_token: await firstFactor(app, u.username, PASSWORD), code: '000000' })).status).toBe(
    401,
  );
  const token = await firstFactor(app, u.username, PASSWORD);
  expect((await verify(app, { mfa_token: token, recovery_code: u.recoveryCodes[0] })).status).toBe(200);
  expect((await post('/auth/mfa/recovery-codes', u.access)).status).toBe(200);
  await forgetLastStep(app, u.username);
  expect((await post('/auth/mfa/totp/disable', u.access, { code: codeAt(u.secret) })).status).toBe(200);
}

async function passkeys() {
  const a = keep({ ...(await userWithPasskey(app)), refresh: '' });
  expect((await call(app, 'PATCH', `/auth/passkeys/${a.passkey.id}`, a.access, { name: 'Laptop' })).status).toBe(200);
  expect((await passkeyLogin(app, a.credential, { counter: 5 })).reply.status).toBe(200);
  expect((await passkeyLogin(app, a.credential, { counter: 3 })).reply.status).toBe(401); // a clone
  expect((await call(app, 'DELETE', `/auth/passkeys/${a.passkey.id}`, a.access)).status).toBe(204);
}

async function migration() {
  const migrated = await request(
    `${app.url}/auth/token`,
    'POST',
    form({ username: 'legacy-lee', password: LEGACY_PASSWORD }),
  );
  expect(migrated.status).toBe(200);
  secrets.push(migrated.body.access_token);
  await app.store.claimName(usernameSkeleton('mia-events'), 'mia-events');
  const lookalike = await attemptLogin(app.url, 'rnia-events', LEGACY_PASSWORD);
  expect(lookalike.status).toBe(401);
}

test('every session, account, MFA, passkey and migration event is on /_dev/events, as documented', async () => {
  const username = await app.freshUser(PASSWORD);
  await app.updateUser(username, { email: `${username}@example.com` });
  const evicted = await sessions(username);
  await failures(username);
  await accounts(username);
  await mfa();
  await passkeys();
  await migration();
  await mailSettled();

  const events = await busEvents(app.url);
  const seen = new Set(events.map((e) => e['detail-type']));
  expect(SESSION_EVENTS.filter((e) => !seen.has(e))).toEqual([]);
  expectWellFormed(events, secrets);
  const of = (type: string) => events.filter((e) => e['detail-type'] === type).map((e) => e.detail);
  expect(of('session_evicted')).toEqual([expect.objectContaining({ username, sid: evicted.sid })]);
  expect(of('logout_all')).toEqual([expect.objectContaining({ username, revoked: 1 })]);
  expect(of('login_failed')).toContainEqual(expect.objectContaining({ username, reason: 'bad_password' }));
  // A name that is no user: nothing of it, not even the log's keyed hash.
  const unknown = of('login_failed').find((d) => d.reason === 'unknown_user')!;
  expect([unknown.username, Object.keys(unknown)]).toEqual([undefined, expect.not.arrayContaining(['username_hash'])]);
  expect(of('login_locked')[0]).not.toHaveProperty('username');
  expect(of('user_migrated')).toEqual([expect.objectContaining({ username: 'legacy-lee' })]);
  expect(of('user_migration_refused')).toEqual([
    expect.objectContaining({ username: 'rnia-events', reason: 'lookalike' }),
  ]);
  // The mail jobs' events come from the mail worker, as deployed.
  const mail = events.filter((e) => e['detail-type'] === 'password_reset_requested');
  expect(mail.map((e) => [e.function, e.detail.username])).toEqual([['mail-worker', username]]);
  // One invocation, one event, in order: a login's event is the last its function published.
  const logins = events.filter((e) => e['detail-type'] === 'login_succeeded');
  expect(
    logins.every(
      (e) => e.function === 'token' || e.function === 'passkeys-login-verify' || e.function === 'mfa-verify',
    ),
  ).toBe(true);
});

test('a bus that refuses: the login still succeeds, the lost event is counted and logged by name', async () => {
  const lines = (globalThis as { __logLines?: string[] }).__logLines!;
  const before = lines.length;
  const count = (await busEvents(app.url)).length;
  eventLog.failing = true;
  try {
    const s = await login(app.url, 'johndoe', 'secret');
    expect(s.reply.status).toBe(200);
  } finally {
    eventLog.failing = false;
  }
  expect((await busEvents(app.url)).length).toBe(count);
  const logged = lines.slice(before).map((l) => JSON.parse(l));
  expect(logged).toContainEqual(
    expect.objectContaining({ message: 'events_unpublished', lost: 1, errorName: 'EventLogFailure' }),
  );
  const emf = logged.find((l) => l._aws && 'events_unpublished' in l);
  expect(emf).toMatchObject({ events_unpublished: 1, login_succeeded: 1 });
  // The audit line itself was written: the log stays the full record.
  expect(logged).toContainEqual(
    expect.objectContaining({ audit: true, event: 'login_succeeded', username: 'johndoe' }),
  );
});
