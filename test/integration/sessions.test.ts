import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { newId } from '../../functions/core/tokens';
import { startApp, type TestApp } from '../support/app';
import { forge, login, refreshCookieOf, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
  for (const [username, password] of [
    ['sam', 'pw-sam'],
    ['tina', 'pw-tina'],
    ['uma', 'pw-uma'],
    ['vic', 'pw-vic'],
  ]) {
    await app.addUser(username, password);
  }
});
afterAll(() => app.close());

const CLEARED = 'refresh_token=; HttpOnly; Max-Age=0; Path=/auth; SameSite=Lax';
const logoutAll = (options: { cookie?: string; bearer?: string }) =>
  request(`${app.url}/auth/logout-all`, 'POST', options);
const list = (bearer: string) => request(`${app.url}/auth/sessions`, 'GET', { bearer });
const del = (bearer: string | undefined, id: string) => request(`${app.url}/auth/sessions/${id}`, 'DELETE', { bearer });
const refresh = (cookie: string) => request(`${app.url}/auth/refresh`, 'POST', { cookie });
const me = (bearer: string) => request(`${app.url}/users/me`, 'GET', { bearer });

describe('POST /auth/logout-all', () => {
  test('ends every session of the caller (refresh and access tokens alike), not other users', async () => {
    const mine = await Promise.all([
      login(app.url, 'sam', 'pw-sam'),
      login(app.url, 'sam', 'pw-sam'),
      login(app.url, 'sam', 'pw-sam'),
    ]);
    const other = await login(app.url, 'tina', 'pw-tina');
    const reply = await logoutAll({ bearer: mine[0].access });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ message: 'Logged out of all sessions', revoked: 3 });
    expect(reply.setCookies).toEqual([CLEARED]);
    for (const s of mine) {
      expect((await refresh(s.refresh)).status).toBe(401);
      expect((await me(s.access)).status).toBe(401);
      expect(await app.session(s.sid)).toBeUndefined();
    }
    expect((await me(other.access)).status).toBe(200);
    expect((await login(app.url, 'sam', 'pw-sam')).access).toBeTruthy(); // new logins work
  });

  test('accepts the refresh cookie as proof', async () => {
    const a = await login(app.url, 'uma', 'pw-uma');
    const b = await login(app.url, 'uma', 'pw-uma');
    const reply = await logoutAll({ cookie: b.refresh });
    expect(reply.body).toEqual({ message: 'Logged out of all sessions', revoked: 2 });
    expect((await me(a.access)).status).toBe(401);
  });

  test('ends a session the index has not caught up with (the user item is the commit point)', async () => {
    const caller = await login(app.url, 'vic', 'pw-vic');
    // A session item without index attributes: what a just-written session looks like to an eventually consistent GSI.
    const hidden = await login(app.url, 'vic', 'pw-vic');
    const item = await app.session(hidden.sid);
    const { gsi1pk: _pk, gsi1sk: _sk, ...unindexed } = item!;
    await app.db.send(new PutCommand({ TableName: app.tableName, Item: unindexed }));
    expect((await app.sessionsOf('vic')).map((s) => s.sid)).not.toContain(hidden.sid);

    expect((await logoutAll({ bearer: caller.access })).status).toBe(200);
    expect((await me(hidden.access)).status).toBe(401);
    expect((await refresh(hidden.refresh)).status).toBe(401);
  });

  test('a burst of parallel logins then logout-all leaves no live session', async () => {
    // Five at once: attempts in flight hold places in the lockout count, whose threshold is 5.
    const burst = await Promise.all(Array.from({ length: 5 }, () => login(app.url, 'sam', 'pw-sam')));
    expect((await logoutAll({ bearer: burst[3].access })).body.revoked).toBeGreaterThanOrEqual(5);
    const results = await Promise.all(burst.map((s) => me(s.access)));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill(401));
    const fresh = await login(app.url, 'sam', 'pw-sam');
    expect((await list(fresh.access)).body.sessions.map((s: { id: string }) => s.id)).toEqual([fresh.sid]);
  });

  test('answers 401 without a credential or with an invalid one, ending nothing', async () => {
    const s = await login(app.url, 'tina', 'pw-tina');
    const none = await logoutAll({});
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: 'Not authenticated' });
    const bad = await logoutAll({
      bearer: await forge({ sub: 'tina', type: 'access', sid: s.sid, jti: newId() }, { key: 'x'.repeat(40) }),
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ detail: 'Could not validate credentials' });
    expect(bad.setCookies).toEqual([]);
    expect((await me(s.access)).status).toBe(200);
  });
});

describe('GET /auth/sessions', () => {
  test('lists the caller live sessions with ISO times, marking the current one', async () => {
    const a = await login(app.url, 'uma', 'pw-uma');
    const b = await login(app.url, 'uma', 'pw-uma');
    await login(app.url, 'tina', 'pw-tina');
    const reply = await list(b.access);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const sessions = reply.body.sessions as Record<string, unknown>[];
    expect(sessions.map((s) => s.id).sort()).toEqual([a.sid, b.sid].sort());
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual([
        'client_id',
        'created_at',
        'current',
        'expires_at',
        'id',
        'kind',
        'last_used_at',
      ]);
      expect(s).toMatchObject({ kind: 'login', client_id: 'web' });
      for (const k of ['created_at', 'last_used_at', 'expires_at'])
        expect(s[k]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(s.current).toBe(s.id === b.sid);
    }
  });

  test('leaves out ended and expired sessions', async () => {
    const a = await login(app.url, 'tina', 'pw-tina');
    await logoutAll({ bearer: a.access });
    const b = await login(app.url, 'tina', 'pw-tina');
    const c = await login(app.url, 'tina', 'pw-tina');
    await app.updateSession(c.sid, { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect((await list(b.access)).body.sessions.map((s: { id: string }) => s.id)).toEqual([b.sid]);
  });

  test('needs a valid access token', async () => {
    expect((await request(`${app.url}/auth/sessions`, 'GET')).body).toEqual({ detail: 'Not authenticated' });
    const s = await login(app.url, 'tina', 'pw-tina');
    expect((await list(s.refresh)).status).toBe(401);
  });
});

describe('DELETE /auth/sessions/{id}', () => {
  test('ends one of the caller own sessions: 204, and its tokens stop working at once', async () => {
    const keep = await login(app.url, 'uma', 'pw-uma');
    const end = await login(app.url, 'uma', 'pw-uma');
    const reply = await del(keep.access, end.sid);
    expect(reply.status).toBe(204);
    expect(reply.body).toBeUndefined();
    expect((await me(end.access)).status).toBe(401);
    expect((await refresh(end.refresh)).status).toBe(401);
    expect((await me(keep.access)).status).toBe(200);
    expect((await del(keep.access, end.sid)).status).toBe(404);
  });

  test('answers 404, not 403, for another user session, which lives on', async () => {
    const mine = await login(app.url, 'uma', 'pw-uma');
    const theirs = await login(app.url, 'tina', 'pw-tina');
    const reply = await del(mine.access, theirs.sid);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ detail: 'Session not found' });
    expect((await me(theirs.access)).status).toBe(200);
  });

  test('answers 404 for an unknown id and, without touching the table, for a malformed one', async () => {
    const mine = await login(app.url, 'uma', 'pw-uma');
    expect((await del(mine.access, newId())).status).toBe(404);
    for (const id of ['short', 'x'.repeat(5000), '%00%01%02aaaaaaaaaaaaaaaaaaa', 'AAAAAAAAAAAAAAAAAAAAA%2F']) {
      const before = app.proxy.requests;
      const reply = await del(mine.access, id);
      expect([id.slice(0, 10), reply.status, reply.body]).toEqual([
        id.slice(0, 10),
        404,
        { detail: 'Session not found' },
      ]);
      expect(app.proxy.requests).toBe(before);
    }
  });

  test('can end the caller current session', async () => {
    const s = await login(app.url, 'uma', 'pw-uma');
    expect((await del(s.access, s.sid)).status).toBe(204);
    expect((await me(s.access)).status).toBe(401);
  });
});

describe('CSRF defence on the cookie routes', () => {
  const post = (path: string, cookie: string, headers: Record<string, string>) =>
    request(`${app.url}${path}`, 'POST', { cookie, headers });

  test.each(['/auth/refresh', '/auth/logout', '/auth/logout-all'])(
    '%s refuses a foreign Origin with 403 and changes nothing',
    async (path) => {
      const s = await login(app.url, 'sam', 'pw-sam');
      const attempts: Record<string, string>[] = [
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of attempts) {
        const reply = await post(path, s.refresh, headers);
        expect([headers, reply.status, reply.body]).toEqual([headers, 403, { detail: 'Origin not allowed' }]);
        expect(reply.setCookies).toEqual([]);
      }
      expect((await app.session(s.sid))?.prevJti).toBeUndefined(); // not rotated, not deleted
      expect((await refresh(s.refresh)).status).toBe(200);
    },
  );

  test('allows the API own origin, same-site fetches and requests with no Origin', async () => {
    const s = await login(app.url, 'sam', 'pw-sam');
    const own = app.url; // http://127.0.0.1:<port>, as the browser would send it
    const r1 = await post('/auth/refresh', s.refresh, { origin: own, 'sec-fetch-site': 'same-origin' });
    expect(r1.status).toBe(200);
    const r2 = await post('/auth/refresh', refreshCookieOf(r1)!, {});
    expect(r2.status).toBe(200);
    expect((await post('/auth/logout', refreshCookieOf(r2)!, { 'sec-fetch-site': 'same-site' })).status).toBe(200);
  });

  test('does not apply to Bearer routes, which a browser cannot call cross-site with credentials', async () => {
    const s = await login(app.url, 'sam', 'pw-sam');
    expect(
      (await request(`${app.url}/users/me`, 'GET', { bearer: s.access, headers: { origin: 'https://evil.example' } }))
        .status,
    ).toBe(200);
  });
});
