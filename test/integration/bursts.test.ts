import { startApp, type TestApp } from '../support/app';
import { login, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  // Attempts in flight hold places in the lockout count, and a user has at most 20 sessions: this
  // suite is about the session store under bursts, so both limits are raised (docs/http-contract.md).
  // A login is seven store requests now (docs/architecture.md): 40 at once are 280 requests, more
  // than DynamoDB Local on two cores accepts within the harness's 300 ms connect timeout.
  app = await startApp({
    LOGIN_MAX_FAILURES: '100',
    MAX_SESSIONS_PER_USER: '100',
    DYNAMODB_CONNECT_TIMEOUT_MS: '5000',
    DYNAMODB_REQUEST_TIMEOUT_MS: '10000',
  });
  await app.addUser('burst', 'pw-burst');
});
afterAll(() => app.close());

/** Which of these sessions still have an item, read one by one and strongly consistent (on AWS the index lags). */
async function liveSessions(sids: string[]): Promise<string[]> {
  const items = await Promise.all(sids.map((sid) => app.session(sid)));
  return sids.filter((_, i) => items[i] !== undefined);
}

jest.setTimeout(30_000);

describe('bursts', () => {
  test('40 parallel logins then 40 parallel logouts leave exactly the sessions expected', async () => {
    const sessions = await Promise.all(Array.from({ length: 40 }, () => login(app.url, 'burst', 'pw-burst')));
    const sids = sessions.map((s) => s.sid);
    expect(new Set(sids).size).toBe(40);
    expect(await liveSessions(sids)).toHaveLength(40);
    expect(await app.sessionsOf('burst')).toHaveLength(40);

    const out = await Promise.all(
      sessions.slice(0, 40).map((s) => request(`${app.url}/auth/logout`, 'POST', { cookie: s.refresh })),
    );
    expect(out.map((r) => r.status)).toEqual(Array(40).fill(200));
    expect(await liveSessions(sids)).toEqual([]);
  });

  test('a mixed burst (20 logouts, 20 refreshes, 20 logins) leaves exactly the refreshed and new ones', async () => {
    const first = await Promise.all(Array.from({ length: 40 }, () => login(app.url, 'burst', 'pw-burst')));
    const [leaving, staying] = [first.slice(0, 20), first.slice(20)];
    const results = await Promise.all([
      ...leaving.map((s) => request(`${app.url}/auth/logout`, 'POST', { cookie: s.refresh })),
      ...staying.map((s) => request(`${app.url}/auth/refresh`, 'POST', { cookie: s.refresh })),
      ...Array.from({ length: 20 }, () =>
        request(`${app.url}/auth/token`, 'POST', {
          headers: { 'content-type': 'application/json' },
          body: '{"username":"burst","password":"pw-burst"}',
        }),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(60).fill(200));
    expect(await liveSessions(leaving.map((s) => s.sid))).toEqual([]);
    expect(await liveSessions(staying.map((s) => s.sid))).toHaveLength(20);
    const items = await app.sessionsOf('burst');
    expect(items).toHaveLength(40);
  });
});
