import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { hashPassword } from '../../functions/core/passwords';
import { newId } from '../../functions/core/tokens';
import { matchRoute, routes } from '../../functions/routes';
import { throttleKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { attemptLogin, login, request } from '../support/http';

// IAM cannot run here, so the grants are checked the other way: every DynamoDB request each route
// really sends (seen by the fault proxy, with the key prefixes it names) must be one the route
// table grants, and every (action, item kind) the table grants must be one some route really uses.
// The stack turns the same table into IAM statements with dynamodb:LeadingKeys (test/infra).

let app: TestApp;
beforeAll(async () => {
  // A cap of 2 so that the third login of a user evicts one of their sessions.
  app = await startApp({ MAX_SESSIONS_PER_USER: '2' });
});
afterAll(() => app.close());

/** handler -> "Action PREFIX#" pairs seen. */
const seen = new Map<string, Set<string>>();

/** Sends one request (or several to one route at once) and files the store calls it made under its route. */
async function touch<T>(method: string, path: string, send: () => Promise<T>): Promise<T> {
  const route = matchRoute(method, path).route!;
  const before = app.proxy.calls.length;
  const out = await send();
  const pairs = seen.get(route.handler) ?? new Set<string>();
  for (const call of app.proxy.calls.slice(before)) for (const p of call.prefixes) pairs.add(`${call.op} ${p}`);
  seen.set(route.handler, pairs);
  return out;
}
const post = (path: string, options: Parameters<typeof request>[2] = {}) =>
  touch('POST', path, () => request(`${app.url}${path}`, 'POST', options));
const logIn = (username: string, password = 'pw') =>
  touch('POST', '/auth/token', () => login(app.url, username, password));
const fail = (username: string) => touch('POST', '/auth/token', () => attemptLogin(app.url, username, 'wrong'));
const put = (Item: Record<string, unknown>) => app.db.send(new PutCommand({ TableName: app.tableName, Item }));
const past = () => Math.floor(Date.now() / 1000) - 10;

test('each route touches only the item kinds and actions the route table grants it, and uses all of them', async () => {
  for (const name of ['ann', 'bob', 'cara', 'dan']) await app.addUser(name, 'pw');

  // Login: places taken and given back, a session, the cap's index query.
  const ann = await logIn('ann');
  // Five failures: the fifth place sets the lock by compare-and-set (PutItem on THROTTLE#).
  for (let i = 0; i < 5; i++) await fail('bob');
  // Expired counts still in the table (TTL deletes lazily): read again, then replaced.
  await put({
    ...throttleKey({ kind: 'user', username: 'cara' }),
    failures: 3,
    lockedUntil: 0,
    windowStart: 0,
    expiresAt: past(),
  });
  await put({
    ...throttleKey({ kind: 'ip', ip: '127.0.0.1' }),
    failures: 3,
    lockedUntil: 0,
    windowStart: 0,
    expiresAt: past(),
  });
  await logIn('cara');
  // Rehash on login: a hash of another cost than the app's BCRYPT_COST (4).
  await app.store.putUser(
    { username: 'dan', passwordHash: await hashPassword('pw', 5), disabled: false, createdAt: Date.now() },
    { overwrite: true },
  );
  const dan = [await logIn('dan'), await logIn('dan')];
  // The third session of a user capped at two evicts the oldest (BatchGetItem and DeleteItem on SESSION#).
  dan.push(await logIn('dan'));

  // Refresh: a rotation; two at once with the same token (one loses the race and reads again);
  // then the token replaced long ago comes back (a replay ends the session).
  const rotated = await post('/auth/refresh', { cookie: dan[1].refresh });
  expect(rotated.status).toBe(200);
  await touch('POST', '/auth/refresh', () =>
    Promise.all([1, 2].map(() => request(`${app.url}/auth/refresh`, 'POST', { cookie: dan[2].refresh }))),
  );
  await app.updateSession(dan[1].sid, { rotatedAt: Date.now() - 3_600_000 });
  expect((await post('/auth/refresh', { cookie: dan[1].refresh })).status).toBe(401);

  // Bearer routes.
  await touch('GET', '/users/me', () => request(`${app.url}/users/me`, 'GET', { bearer: ann.access }));
  await touch('GET', '/auth/sessions', () => request(`${app.url}/auth/sessions`, 'GET', { bearer: ann.access }));
  const other = await logIn('ann');
  const path = `/auth/sessions/${other.sid}`;
  await touch('DELETE', path, () => request(`${app.url}${path}`, 'DELETE', { bearer: ann.access }));
  await post('/auth/logout', { cookie: ann.refresh });
  const last = await logIn('cara');
  await post('/auth/logout-all', { bearer: last.access });
  for (const p of ['/.well-known/jwks.json', '/.well-known/openid-configuration'])
    await touch('GET', p, () => request(`${app.url}${p}`, 'GET'));

  for (const route of routes) {
    const granted = Object.entries(route.table).flatMap(([action, prefixes]) => prefixes.map((p) => `${action} ${p}`));
    const used = [...(seen.get(route.handler) ?? [])];
    expect([route.handler, used.filter((u) => !granted.includes(u))]).toEqual([route.handler, []]);
    expect([route.handler, granted.filter((g) => !used.includes(g)).sort()]).toEqual([route.handler, []]);
  }
});

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
  const evicted = logs.slice(before).filter((l) => l.includes('"session_evicted"'));
  expect(evicted).toHaveLength(39);
  expect(JSON.parse(evicted[0])).toMatchObject({ audit: true, username: 'many', sid: expect.any(String) });
  app.proxy.restore();
  expect(app.proxy.maxInFlight.DeleteItem).toBe(10);
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: mine.access })).status).toBe(200);
});
