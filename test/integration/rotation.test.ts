import { startApp, type TestApp } from '../support/app';
import { claimsOf, login, refreshCookieOf, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const refresh = (cookie: string) => request(`${app.url}/auth/refresh`, 'POST', { cookie });
const me = (bearer: string) => request(`${app.url}/users/me`, 'GET', { bearer });
const logs = () => (globalThis as { __logLines?: string[] }).__logLines!;

describe('refresh-token rotation', () => {
  test('a refresh sets a new refresh cookie for the same session and makes the presented token stale', async () => {
    const session = await login(app.url);
    const reply = await refresh(session.refresh);
    expect(reply.status).toBe(200);
    expect(reply.setCookies).toHaveLength(1);
    const next = refreshCookieOf(reply)!;
    expect(reply.setCookies[0]).toMatch(
      new RegExp(
        `^refresh_token=${next.replace(/[.]/g, '\\.')}; HttpOnly; Max-Age=(604800|604799); Path=/auth; SameSite=Lax$`,
      ),
    );
    expect(next).not.toBe(session.refresh);
    expect(claimsOf(next)).toMatchObject({ sid: session.sid, sub: 'johndoe', type: 'refresh' });
    const item = await app.session(session.sid);
    expect(item).toMatchObject({ jti: claimsOf(next).jti, prevJti: claimsOf(session.refresh).jti });
    expect((await refresh(next)).status).toBe(200);
  });

  test('the replaced token presented again within the grace window answers the very same successor', async () => {
    const session = await login(app.url);
    const first = await refresh(session.refresh);
    // Cross a second boundary so a successor re-made "now" would differ in iat.
    await new Promise((r) => setTimeout(r, 1100));
    const retry = await refresh(session.refresh);
    expect(retry.status).toBe(200);
    expect(refreshCookieOf(retry)).toBe(refreshCookieOf(first));
    expect(await app.session(session.sid)).toMatchObject({ jti: claimsOf(refreshCookieOf(first)!).jti });
  });

  test('eight parallel refreshes of one token all get the same successor: one new generation, no fork', async () => {
    const session = await login(app.url);
    const replies = await Promise.all(Array.from({ length: 8 }, () => refresh(session.refresh)));
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
    const successors = new Set(replies.map(refreshCookieOf));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    const item = await app.session(session.sid);
    expect(item).toMatchObject({ jti: claimsOf(successor!).jti, prevJti: claimsOf(session.refresh).jti });
    expect((await refresh(successor!)).status).toBe(200);
  });

  test('the replaced token after the grace window is a replay: the session and its tokens end, audited', async () => {
    const session = await login(app.url);
    const next = refreshCookieOf(await refresh(session.refresh))!;
    await app.updateSession(session.sid, { rotatedAt: Date.now() - 11_000 });
    const before = logs().length;

    const replay = await refresh(session.refresh);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ detail: 'Invalid refresh token' });
    expect(replay.setCookies).toEqual([]);
    expect(await app.session(session.sid)).toBeUndefined();
    expect((await refresh(next)).status).toBe(401);
    expect((await me(session.access)).status).toBe(401);
    const reuse = logs()
      .slice(before)
      // The audit line (the metric line of functions/http/metrics.ts names the event too).
      .filter((l) => l.includes('"refresh_token_reuse"') && !l.includes('"_aws"'));
    expect(reuse).toHaveLength(1);
    expect(JSON.parse(reuse[0])).toMatchObject({
      audit: true,
      event: 'refresh_token_reuse',
      username: 'johndoe',
      sid: session.sid,
      sourceIp: expect.any(String),
    });
  });

  test('a token two rotations back, within its own window, gets the current token (a slow tab)', async () => {
    const session = await login(app.url);
    const second = refreshCookieOf(await refresh(session.refresh))!;
    const third = refreshCookieOf(await refresh(second))!;
    const slow = await refresh(session.refresh);
    expect(slow.status).toBe(200);
    expect(refreshCookieOf(slow)).toBe(third);
    expect(await app.session(session.sid)).toMatchObject({
      jti: claimsOf(third).jti,
      prevJti: claimsOf(second).jti,
      olderJtis: [{ jti: claimsOf(session.refresh).jti, rotatedAt: expect.any(Number) }],
    });
    expect((await refresh(third)).status).toBe(200);
  });

  test('a token two rotations back whose window closed is a replay, though the last one is in its window', async () => {
    const session = await login(app.url);
    const second = refreshCookieOf(await refresh(session.refresh))!;
    const third = refreshCookieOf(await refresh(second))!;
    const item = await app.session(session.sid);
    const older = item!.olderJtis as { jti: string; rotatedAt: number }[];
    await app.updateSession(session.sid, { olderJtis: older.map((t) => ({ ...t, rotatedAt: Date.now() - 11_000 })) });
    expect((await refresh(session.refresh)).status).toBe(401);
    expect(await app.session(session.sid)).toBeUndefined();
    expect((await refresh(third)).status).toBe(401);
  });

  test('a token whose session is already gone is simply refused, with no reuse event', async () => {
    const session = await login(app.url);
    await request(`${app.url}/auth/logout`, 'POST', { cookie: session.refresh });
    const before = logs().length;
    expect((await refresh(session.refresh)).status).toBe(401);
    expect(
      logs()
        .slice(before)
        .some((l) => l.includes('refresh_token_reuse')),
    ).toBe(false);
  });

  test('a logout with a rotated (stale) token ends the session and is not treated as reuse', async () => {
    const session = await login(app.url);
    const next = refreshCookieOf(await refresh(session.refresh))!;
    const before = logs().length;
    const out = await request(`${app.url}/auth/logout`, 'POST', { cookie: session.refresh });
    expect(out.status).toBe(200);
    expect(await app.session(session.sid)).toBeUndefined();
    expect((await refresh(next)).status).toBe(401);
    expect(
      logs()
        .slice(before)
        .some((l) => l.includes('refresh_token_reuse')),
    ).toBe(false);
  });

  test('a refresh racing a logout never resurrects the session', async () => {
    for (let i = 0; i < 15; i++) {
      const session = await login(app.url);
      const [r] = await Promise.all([
        refresh(session.refresh),
        request(`${app.url}/auth/logout`, 'POST', { cookie: session.refresh }),
      ]);
      expect(await app.session(session.sid)).toBeUndefined();
      if (r.status === 200) expect((await refresh(refreshCookieOf(r)!)).status).toBe(401);
      expect((await me(session.access)).status).toBe(401);
    }
  });

  test('updates last_used_at on refresh only', async () => {
    const session = await login(app.url);
    const created = (await app.session(session.sid))!;
    await new Promise((r) => setTimeout(r, 5));
    await me(session.access);
    expect((await app.session(session.sid))!.lastUsedAt).toBe(created.lastUsedAt);
    await refresh(session.refresh);
    expect((await app.session(session.sid))!.lastUsedAt).toBeGreaterThan(created.lastUsedAt as number);
  });

  test('no refresh takes a session past its absolute lifetime', async () => {
    const session = await login(app.url);
    const nowSec = Math.floor(Date.now() / 1000);
    await app.updateSession(session.sid, { absoluteExpiresAt: nowSec + 30 });
    const reply = await refresh(session.refresh);
    expect(reply.status).toBe(200);
    const next = refreshCookieOf(reply)!;
    expect(claimsOf(next).exp).toBe(nowSec + 30);
    expect(Number(reply.setCookies[0].match(/Max-Age=(\d+)/)![1])).toBeLessThanOrEqual(30);
    await app.updateSession(session.sid, { absoluteExpiresAt: nowSec - 1 });
    expect((await refresh(next)).status).toBe(401);
    expect((await me(session.access)).status).toBe(401);
  });

  test('a login writes the absolute lifetime of SESSION_MAX_SECONDS (30 days by default)', async () => {
    const session = await login(app.url);
    const item = (await app.session(session.sid))!;
    expect(item.absoluteExpiresAt).toBe(Math.floor((item.createdAt as number) / 1000) + 2592000);
  });

  test('answers 503 when the rotation cannot be written, and the presented token still works afterwards', async () => {
    const session = await login(app.url);
    app.proxy.cut();
    try {
      const reply = await refresh(session.refresh);
      expect(reply.status).toBe(503);
      expect(reply.setCookies).toEqual([]);
    } finally {
      app.proxy.restore();
    }
    expect(await app.session(session.sid)).toMatchObject({ jti: claimsOf(session.refresh).jti });
    expect((await refresh(session.refresh)).status).toBe(200);
  });
});
