/**
 * The browser client's scheduling and coordination (docs/browser-client.md), on jest's fake timers
 * with fake locks, channels and API (./fakes.ts). Chromium runs the same code against the dev server
 * in test/browser/browser-client.test.ts.
 */
import { AuthClient, AuthError, type MfaChallenge, type Platform, type Session } from '../src/client';
import { fakeApi, fakeChannels, fakeLocks } from './fakes';

const API = 'https://api.example.test';

/** `n` tabs of one origin: one API, one lock manager, one set of channels. */
function tabs(n: number, platform: Partial<Platform> = {}) {
  const api = fakeApi();
  const shared = { fetch: api.fetch, locks: fakeLocks(), channel: fakeChannels(), onWake: undefined, ...platform };
  const clients = Array.from({ length: n }, () => new AuthClient({ apiUrl: API, platform: shared }));
  return { api, clients };
}

/** Lets the fakes' promises and timers run, `ms` of fake time. */
const pass = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

/** `promise`, fake time moving on (10 ms a step, a minute at most) until it settles. */
async function settled<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 6000 && !done; i++) await pass(10);
  return promise;
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

async function signedIn(n = 1, platform: Partial<Platform> = {}) {
  const t = tabs(n, platform);
  await settled(Promise.all(t.clients.map((c) => c.ready))); // every tab's start-up: nobody signed in
  const session = (await settled(t.clients[0].login('alice', 'right'))) as Session;
  await pass(200); // the other tabs hear of it; the start-up's lock is free again
  return { ...t, session };
}

test('a tab that starts with no session asks the API once, and knows it is signed out', async () => {
  const { api, clients } = tabs(1);
  await expect(settled(clients[0].ready)).resolves.toBeNull();
  expect(api.counts['/auth/refresh']).toBe(1);
  await expect(settled(clients[0].token())).resolves.toBeUndefined();
  expect(api.counts['/auth/refresh']).toBe(1);
});

test('the token is refreshed refreshMargin (60 s) before it expires, once, and again 15 minutes later', async () => {
  const { api, clients, session } = await signedIn();
  const before = api.counts['/auth/refresh'];
  const due = session.expiresAt - 60_000 - Date.now();
  await pass(due - 1);
  expect(api.counts['/auth/refresh']).toBe(before);
  await pass(1);
  expect(api.counts['/auth/refresh']).toBe(before + 1);
  await pass(20); // the answer's round trip
  expect(clients[0].session!.accessToken).not.toBe(session.accessToken);
  await pass(840_000);
  expect(api.counts['/auth/refresh']).toBe(before + 2);
});

test('five tabs whose tokens expire together send one refresh, and all five hold its token', async () => {
  const { api, clients } = await signedIn(5);
  // The other four got the login's token from the first tab, without a request.
  expect(new Set(clients.map((c) => c.session?.accessToken)).size).toBe(1);
  const before = api.counts['/auth/refresh'];
  await pass(840_000);
  expect(api.counts['/auth/refresh']).toBe(before + 1);
  await pass(200);
  expect(api.counts['/auth/refresh']).toBe(before + 1);
  const tokens = new Set(clients.map((c) => c.session?.accessToken));
  expect(tokens.size).toBe(1);
  const me = await settled(Promise.all(clients.map((c) => c.fetch(`${API}/users/me`))));
  expect(me.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
});

test('a tab opened later takes the token from a tab that has one: no request', async () => {
  const api = fakeApi();
  const shared = { fetch: api.fetch, locks: fakeLocks(), channel: fakeChannels() };
  const first = new AuthClient({ apiUrl: API, platform: shared });
  await pass(200);
  await settled(first.login('alice', 'right'));
  const refreshes = api.counts['/auth/refresh'];
  const later = new AuthClient({ apiUrl: API, platform: shared });
  await expect(settled(later.ready)).resolves.toEqual(first.session);
  expect(api.counts['/auth/refresh']).toBe(refreshes);
});

test('without Web Locks a tab still sends one refresh at a time, however many calls need one', async () => {
  const { api, clients } = await signedIn(1, { locks: undefined });
  api.expireTokens();
  const before = api.counts['/auth/refresh'];
  const answers = await settled(Promise.all([1, 2, 3, 4].map(() => clients[0].fetch(`${API}/users/me`))));
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  expect(api.counts['/auth/refresh']).toBe(before + 1);
  expect(api.maxInFlight('/auth/refresh')).toBe(1);
});

test('a 401 from an expired token refreshes once and retries; a second 401 is returned, not looped', async () => {
  const { api, clients } = await signedIn();
  api.expireTokens();
  const before = api.counts['/auth/refresh'];
  expect((await settled(clients[0].fetch(`${API}/users/me`))).status).toBe(200);
  expect(api.counts['/auth/refresh']).toBe(before + 1);
  api.next['/users/me'] = [api.json(401, {}), api.json(401, {})];
  expect((await settled(clients[0].fetch(`${API}/users/me`))).status).toBe(401);
  expect(api.counts['/auth/refresh']).toBe(before + 2);
});

test('a 429 on refresh waits its Retry-After before the next attempt', async () => {
  const { api, clients } = await signedIn();
  api.next['/auth/refresh'] = [api.json(429, { detail: 'Too many requests' }, { 'Retry-After': '5' })];
  const before = api.counts['/auth/refresh'];
  const refreshed = clients[0].refresh();
  // The 429 arrives after its 20 ms round trip; the next attempt goes 5 s after that.
  await pass(5_019);
  expect(api.counts['/auth/refresh']).toBe(before + 1);
  await pass(1);
  await expect(settled(refreshed)).resolves.toMatchObject({ username: 'alice' });
  expect(api.counts['/auth/refresh']).toBe(before + 2);
});

test('a refresh answer lost on the wire is sent again, and the session goes on', async () => {
  const { api, clients } = await signedIn();
  api.next['/auth/refresh'] = [new TypeError('Failed to fetch')];
  const refreshed = clients[0].refresh();
  await expect(settled(refreshed)).resolves.toMatchObject({ username: 'alice' });
  expect(clients[0].session).not.toBeNull();
});

test('an API out of reach: the token that still works is used, and the refresh is tried again later', async () => {
  const { api, clients, session } = await signedIn();
  const down = () => api.json(503, { detail: 'Service unavailable' });
  // The scheduled refresh's four attempts, then token()'s four.
  api.next['/auth/refresh'] = Array(8).fill(down);
  await pass(840_000);
  const token = clients[0].token();
  await pass(10_000);
  await expect(token).resolves.toBe(session.accessToken);
});

test('a logout ends the session in every tab; one the API could not do is an error, and ends nothing', async () => {
  const { api, clients } = await signedIn(3);
  const seen: (Session | null)[] = [];
  clients[2].onChange((s) => seen.push(s));
  // Every attempt of the logout (the first and its three retries) finds the store down.
  api.next['/auth/logout'] = Array(4).fill(() => api.json(503, { detail: 'Service unavailable' }));
  const failed = clients[0].logout().catch((e) => e);
  await pass(2_000);
  expect(await failed).toBeInstanceOf(AuthError);
  expect(clients.every((c) => c.session !== null)).toBe(true);
  await settled(clients[0].logout());
  await pass(10);
  expect(clients.map((c) => c.session)).toEqual([null, null, null]);
  expect(seen).toEqual([null]);
  await expect(settled(clients[1].token())).resolves.toBeUndefined();
});

test('logout everywhere ends the session in every tab', async () => {
  const { api, clients } = await signedIn(2);
  await settled(clients[1].logoutEverywhere());
  await pass(10);
  expect(api.counts['/auth/logout-all']).toBe(1);
  expect(clients.map((c) => c.session)).toEqual([null, null]);
});

test('a refresh refused (the session ended elsewhere) signs every tab out', async () => {
  const { api, clients } = await signedIn(2);
  api.endSession();
  const before = api.counts['/auth/refresh'];
  await pass(840_100);
  expect(clients.map((c) => c.session)).toEqual([null, null]);
  // The second tab, waiting for the lock, learnt the answer from the first: no request of its own.
  expect(api.counts['/auth/refresh']).toBe(before + 1);
});

test('a tab that slept past its refresh refreshes when it wakes', async () => {
  let wake = () => {};
  const { api, clients } = await signedIn(1, { onWake: (run) => (wake = run) });
  const before = api.counts['/auth/refresh'];
  // The clock moved on without the tab's timers firing (a laptop lid closed for an hour).
  jest.setSystemTime(Date.now() + 3_600_000);
  wake();
  await pass(50);
  expect(api.counts['/auth/refresh']).toBe(before + 1);
  expect(clients[0].session!.expiresAt).toBeGreaterThan(Date.now());
});

test('the MFA step: the challenge, a wrong code (still usable), the right one (the session)', async () => {
  const { clients } = tabs(1);
  await settled(clients[0].ready);
  const challenge = (await settled(clients[0].login('alice', 'mfa'))) as MfaChallenge;
  expect(challenge).toMatchObject({ mfaRequired: true, methods: ['totp'], expiresIn: 300 });
  await expect(settled(challenge.verify('000000'))).rejects.toMatchObject({ status: 401, detail: 'Invalid code' });
  await expect(settled(challenge.verify('123456'))).resolves.toMatchObject({ username: 'alice' });
  expect(clients[0].session).not.toBeNull();
});

test('a wrong password is an AuthError with the API detail, and no session', async () => {
  const { clients } = tabs(1);
  await settled(clients[0].ready);
  await expect(settled(clients[0].login('alice', 'wrong'))).rejects.toMatchObject({
    status: 401,
    detail: 'Incorrect username or password',
  });
  expect(clients[0].session).toBeNull();
});
