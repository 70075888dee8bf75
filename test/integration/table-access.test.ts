import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { hashPassword } from '../../functions/core/passwords';
import { newId } from '../../functions/core/tokens';
import { outbox } from '../../dev/outbox';
import type { InProcessMailQueue } from '../../functions/mail/jobs';
import {
  MAIL_WORKER_TABLE_ACCESS,
  type TableAccess,
  type TableAction,
  type UserAccess,
  matchRoute,
  routes,
} from '../../functions/routes';
import { type TableStatement, tableStatements } from '../../lib/table-grants';
import type { StoreCall } from '../support/fault-proxy';
import { counterKey, throttleKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { decodeJwt } from 'jose';
import { attemptLogin, login, refreshCookieOf, request } from '../support/http';
import { mfaFlows } from '../support/mfa-table-flows';
import { passkeyFlows } from '../support/passkey-table-flows';
import { authorizationFlows } from '../support/authorization-table-flows';
import { FRONT_END } from '../support/passkeys';

// IAM cannot run here, so the grants are checked the other way: every DynamoDB request each route
// really sends (seen by the fault proxy, with the key prefixes it names) must be one the route
// table grants, and every (action, item kind) the table grants must be one some route really uses.
// The stack turns the same table into IAM statements with dynamodb:LeadingKeys (test/infra).

let app: TestApp;
beforeAll(async () => {
  // A cap of 2 so that the third login of a user evicts one of their sessions.
  app = await startApp({
    MAX_SESSIONS_PER_USER: '2',
    ALLOW_SIGNUP: 'true',
    ALLOWED_ORIGINS: FRONT_END,
    // Each function reads the client it needs (they share one process here, and one cache).
    CLIENT_CACHE_SECONDS: '0',
    DYNAMIC_CLIENT_REGISTRATION: 'true',
  });
});
afterAll(() => app.close());

/** function name -> "Action PREFIX#" pairs seen. */
const seen = new Map<string, Set<string>>();
/** function name -> its store calls, for the attribute conditions. */
const callsOf = new Map<string, StoreCall[]>();

/**
 * Whether IAM would let this statement through this call, as its conditions read (lib/route-function.ts):
 * the action, every key's prefix, every attribute named; a read names what it returns; a write of user
 * items asks back for no more than the updated attributes.
 */
function allows(statement: TableStatement, call: StoreCall): boolean {
  if (!statement.actions.includes(call.op as TableAction)) return false;
  if (!call.prefixes.every((p) => (statement.prefixes as string[]).includes(p))) return false;
  if (!call.attributes.every((a) => statement.attributes.includes(a))) return false;
  if (statement.read && !call.projected) return false;
  return !statement.returnValues || statement.returnValues.includes(call.returnValues ?? 'NONE');
}

/** Sends one request (or several to one route at once) and files the store calls it made under its route. */
async function touch<T>(method: string, path: string, send: () => Promise<T>): Promise<T> {
  const route = matchRoute(method, path).route!;
  const before = app.proxy.calls.length;
  const out = await send();
  file(route.name, before);
  return out;
}

/** Files the store calls made since `before` under `name`. */
function file(name: string, before: number) {
  const pairs = seen.get(name) ?? new Set<string>();
  for (const call of app.proxy.calls.slice(before)) for (const p of call.prefixes) pairs.add(`${call.op} ${p}`);
  seen.set(name, pairs);
  callsOf.set(name, [...(callsOf.get(name) ?? []), ...app.proxy.calls.slice(before)]);
}

/** The mail worker's held jobs, run now, their store calls filed under `mail-worker`. */
async function runMailWorker() {
  const queue = (await import('../../functions/accounts/recovery-runtime')).mailQueue as InProcessMailQueue;
  const before = app.proxy.calls.length;
  await queue.release();
  file('mail-worker', before);
  queue.hold();
}
const jsonBody = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const lastLinkToken = () => outbox.messages.at(-1)!.text.match(/token=([\w-]+)/)![1];
const post = (path: string, options: Parameters<typeof request>[2] = {}) =>
  touch('POST', path, () => request(`${app.url}${path}`, 'POST', options));
const put = (Item: Record<string, unknown>) => app.db.send(new PutCommand({ TableName: app.tableName, Item }));
const past = () => Math.floor(Date.now() / 1000) - 10;
const formBody = (body: string) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

/** A login and a refresh through either wire format: the cookie routes or the OAuth token endpoint. */
function wire(via: 'cookie' | 'oauth') {
  const path = via === 'cookie' ? '/auth/token' : '/oauth2/token';
  const grant = (username: string, password: string) =>
    via === 'cookie'
      ? attemptLogin(app.url, username, password)
      : request(`${app.url}${path}`, 'POST', formBody(`grant_type=password&username=${username}&password=${password}`));
  const logIn = async (username: string) => {
    const reply = await touch('POST', path, () => grant(username, 'pw'));
    expect(reply.status).toBe(200);
    const refresh = via === 'cookie' ? refreshCookieOf(reply)! : reply.body.refresh_token;
    return { access: reply.body.access_token as string, refresh, sid: String(decodeJwt(refresh).sid) };
  };
  const refreshPath = via === 'cookie' ? '/auth/refresh' : '/oauth2/token';
  const refreshOnce = (token: string) =>
    via === 'cookie'
      ? request(`${app.url}${refreshPath}`, 'POST', { cookie: token })
      : request(`${app.url}${refreshPath}`, 'POST', formBody(`grant_type=refresh_token&refresh_token=${token}`));
  return {
    logIn,
    fail: (username: string) => touch('POST', path, () => grant(username, 'wrong')),
    refresh: (token: string) => touch('POST', refreshPath, () => refreshOnce(token)),
    // The first rotation is held until the other request has read the session too, so one of them
    // always loses the compare-and-set and reads again (GetItem SESSION#); unheld, the two requests
    // sometimes ran one after the other and that read never happened.
    refreshTwiceAtOnce: (token: string) =>
      touch('POST', refreshPath, async () => {
        app.proxy.inject({ op: 'UpdateItem', mode: 'delay', times: 1, delayMs: 300 });
        try {
          return await Promise.all([refreshOnce(token), refreshOnce(token)]);
        } finally {
          app.proxy.restore();
        }
      }),
  };
}

/** Every way a login and a refresh touch the table, through one wire format, for users named `<name>-<via>`. */
async function loginsAndRefreshes(via: 'cookie' | 'oauth') {
  const w = wire(via);
  const [ann, bob, cara, dan] = ['ann', 'bob', 'cara', 'dan'].map((n) => `${n}-${via}`);
  for (const name of [ann, bob, cara]) await app.addUser(name, 'pw');
  // Login: places taken and given back, a session, the cap's index query.
  const first = await w.logIn(ann);
  // Five failures: the fifth place sets the lock by compare-and-set (PutItem on THROTTLE#).
  for (let i = 0; i < 5; i++) await w.fail(bob);
  // Expired counts still in the table (TTL deletes lazily): read again, then replaced.
  const stale = { failures: 3, lockedUntil: 0, windowStart: 0, expiresAt: past() };
  await put({ ...throttleKey({ kind: 'user', username: cara }), ...stale });
  await put({ ...throttleKey({ kind: 'ip', ip: '127.0.0.1' }), ...stale });
  await w.logIn(cara);
  // Rehash on login: a hash of another cost than the app's BCRYPT_COST (4).
  await app.store.putUser(
    { username: dan, passwordHash: await hashPassword('pw', 5), disabled: false, createdAt: Date.now() },
    { overwrite: true },
  );
  const sessions = [await w.logIn(dan), await w.logIn(dan)];
  // The third session of a user capped at two evicts the oldest (BatchGetItem and DeleteItem on SESSION#).
  sessions.push(await w.logIn(dan));
  // Refresh: a rotation; two at once with the same token (one loses the race and reads again);
  // then the token replaced long ago comes back (a replay ends the session).
  expect((await w.refresh(sessions[1].refresh)).status).toBe(200);
  await w.refreshTwiceAtOnce(sessions[2].refresh);
  await app.updateSession(sessions[1].sid, { rotatedAt: Date.now() - 3_600_000 });
  expect((await w.refresh(sessions[1].refresh)).status).toBeGreaterThanOrEqual(400);
  return first;
}

test('each route touches only the item kinds and actions the route table grants it, and uses all of them', async () => {
  const ann = await loginsAndRefreshes('cookie');
  const olga = await loginsAndRefreshes('oauth');
  // Naming its client: the session is read (GetItem) to check it, then ended.
  await post('/oauth2/revoke', formBody(`token=${olga.refresh}&client_id=web`));
  // Client authentication with a client not yet read (its item), and a wrong secret: a place in the
  // IP's count, whose expired window is read and replaced.
  await put({
    ...throttleKey({ kind: 'ip', ip: '127.0.0.1' }),
    failures: 3,
    lockedUntil: 0,
    windowStart: 0,
    expiresAt: past(),
  });
  await post('/oauth2/revoke', formBody('token=x&client_id=demo-service&client_secret=wrong'));

  // Bearer routes.
  await touch('GET', '/users/me', () => request(`${app.url}/users/me`, 'GET', { bearer: ann.access }));
  await touch('GET', '/auth/sessions', () => request(`${app.url}/auth/sessions`, 'GET', { bearer: ann.access }));
  const other = await wire('cookie').logIn('ann-cookie');
  const path = `/auth/sessions/${other.sid}`;
  await touch('DELETE', path, () => request(`${app.url}${path}`, 'DELETE', { bearer: ann.access }));
  await post('/auth/logout', { cookie: ann.refresh });
  const last = await wire('cookie').logIn('cara-cookie');
  await post('/auth/logout-all', { bearer: last.access });
  // The password change: five wrong current passwords (the fifth place locks by compare-and-set),
  // stale counts replaced, then a change that moves the session and user and tidies the others.
  await app.addUser('pat', 'pw');
  const pat = await wire('cookie').logIn('pat');
  await wire('cookie').logIn('pat');
  const changeAs = (current: string) =>
    touch('POST', '/auth/password', () =>
      request(`${app.url}/auth/password`, 'POST', {
        bearer: pat.access,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ current_password: current, new_password: 'a new passphrase' }),
      }),
    );
  for (let i = 0; i < 5; i++) await changeAs('wrong');
  const stale = { failures: 3, lockedUntil: 0, windowStart: 0, expiresAt: past() };
  await put({ ...throttleKey({ kind: 'user', username: 'pat' }), ...stale });
  await put({ ...throttleKey({ kind: 'ip', ip: '127.0.0.1' }), ...stale });
  expect((await changeAs('pw')).status).toBe(200);

  for (const p of [
    '/.well-known/jwks.json',
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
  ])
    await touch('GET', p, () => request(`${app.url}${p}`, 'GET'));

  // The account routes, and the mail worker: its jobs are held so that its requests are told apart.
  ((await import('../../functions/accounts/recovery-runtime')).mailQueue as InProcessMailQueue).hold();
  // Expired counts still in the table: the route and the worker read them again and replace them.
  for (const scope of ['password_reset', 'email_verify', 'signup'] as const)
    await put({ ...counterKey({ kind: 'ip', ip: '127.0.0.1', scope }), ...stale });
  await put({ ...counterKey({ kind: 'user', username: 'rita', scope: 'password_reset' }), ...stale });
  await app.addUser('rita', 'pw', { email: 'rita@example.com' });
  await wire('cookie').logIn('rita'); // a session for the reset to end
  // Four requests: the fourth is over the user's hourly limit (the worker reads the count and stops).
  for (let i = 0; i < 4; i++)
    expect((await post('/auth/password/forgot', jsonBody({ username: 'rita' }))).status).toBe(202);
  await runMailWorker();
  const reset = { token: lastLinkToken(), new_password: 'a fresh passphrase' };
  // A reset whose user write fails puts its token back; then it goes through.
  app.proxy.inject({ op: 'UpdateItem', mode: '5xx' });
  expect((await post('/auth/password/reset', jsonBody(reset))).status).toBe(503);
  app.proxy.restore();
  expect((await post('/auth/password/reset', jsonBody(reset))).status).toBe(200);
  const newUser = { username: 'sam', password: 'a fresh passphrase', email: 'sam@example.com' };
  expect((await post('/auth/signup', jsonBody(newUser))).status).toBe(201);
  await runMailWorker();
  const verify = { token: lastLinkToken() };
  app.proxy.inject({ op: 'UpdateItem', mode: '5xx' });
  expect((await post('/auth/email/verify', jsonBody(verify))).status).toBe(503);
  app.proxy.restore();
  expect((await post('/auth/email/verify/resend', jsonBody({ username: 'sam' }))).status).toBe(202);
  expect((await post('/auth/email/verify', jsonBody(verify))).status).toBe(200);
  await runMailWorker();
  await mfaFlows(app, touch);
  await passkeyFlows(app, touch);
  await authorizationFlows(app, touch);

  const checked: { name: string; table: TableAccess; user?: UserAccess }[] = [
    ...routes,
    { name: 'mail-worker', table: MAIL_WORKER_TABLE_ACCESS },
  ];
  for (const route of checked) {
    const granted = Object.entries(route.table).flatMap(([action, prefixes]) => prefixes.map((p) => `${action} ${p}`));
    const used = [...(seen.get(route.name) ?? [])];
    expect([route.name, used.filter((u) => !granted.includes(u))]).toEqual([route.name, []]);
    expect([route.name, granted.filter((g) => !used.includes(g)).sort()]).toEqual([route.name, []]);
    // Each request within one statement's attribute conditions (as the stack writes them), and the
    // password hash granted to exactly the functions whose requests name it.
    const statements = tableStatements(route.table, route.user);
    const refused = (callsOf.get(route.name) ?? []).filter((c) => !statements.some((s) => allows(s, c)));
    expect([route.name, refused]).toEqual([route.name, []]);
    const readsHash = (callsOf.get(route.name) ?? []).some(
      (c) => ['GetItem', 'BatchGetItem'].includes(c.op) && c.attributes.includes('passwordHash'),
    );
    expect([route.name, readsHash]).toEqual([route.name, route.user?.readsPasswordHash === true]);
  }
}, 30_000);

test('a login beyond the cap evicts the oldest sessions, audited, deleting with bounded concurrency', async () => {
  await app.addUser('many', 'pw');
  const now = Date.now();
  // Sessions written before the cap existed: more than any login would leave today.
  for (let i = 0; i < 40; i++) {
    const sid = newId();
    await put({
      pk: `SESSION#${sid}`,
      sk: 'SESSION',
      sid,
      username: 'many',
      jti: newId(),
      createdAt: now - 1000 - i,
      lastUsedAt: now - 1000 - i,
      expiresAt: Math.floor(now / 1000) + 3600,
      absoluteExpiresAt: Math.floor(now / 1000) + 3600,
      gsi1pk: 'USER#many',
      gsi1sk: `SESSION#${now - 1000 - i}`,
    });
  }
  for (const op of Object.keys(app.proxy.maxInFlight)) delete app.proxy.maxInFlight[op];
  // Each delete held 50 ms, so that unbounded deletes would all be in flight together.
  app.proxy.inject({ op: 'DeleteItem', mode: 'delay', delayMs: 50 });
  const logs = (globalThis as { __logLines?: string[] }).__logLines!;
  const before = logs.length;
  const mine = await login(app.url, 'many', 'pw');
  // The new session and the newest old one stay; the 39 others are evicted, each audited.
  const left = (await app.sessionsOf('many')).map((s) => String(s.pk).slice('SESSION#'.length));
  expect(left).toHaveLength(2);
  expect(left).toContain(mine.sid);
  // Audit lines only (the metric line of functions/http/metrics.ts names the event too).
  const evicted = logs.slice(before).filter((l) => l.includes('"session_evicted"') && !l.includes('"_aws"'));
  expect(evicted).toHaveLength(39);
  expect(JSON.parse(evicted[0])).toMatchObject({ audit: true, username: 'many', sid: expect.any(String) });
  app.proxy.restore();
  expect(app.proxy.maxInFlight.DeleteItem).toBe(10);
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: mine.access })).status).toBe(200);
});
