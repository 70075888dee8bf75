import { GetCommand } from '@aws-sdk/lib-dynamodb';
import bcrypt from 'bcryptjs';
import { throttleKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { maxChecks } from '../support/lockout';
import { login, refreshCookieOf, request } from '../support/http';
import { loggedJson } from '../support/logs';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const change = (bearer: string, body: Record<string, string>) =>
  request(`${app.url}/auth/password`, 'POST', {
    bearer,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const me = (bearer: string) => request(`${app.url}/users/me`, 'GET', { bearer });
const refresh = (cookie: string) => request(`${app.url}/auth/refresh`, 'POST', { cookie });
const NEW = 'a brand new passphrase';

describe('POST /auth/password', () => {
  test('ends every other session while the caller’s session keeps working, with a new refresh cookie', async () => {
    const username = await app.freshUser('old passphrase 1');
    const mine = await login(app.url, username, 'old passphrase 1');
    const others = [
      await login(app.url, username, 'old passphrase 1'),
      await login(app.url, username, 'old passphrase 1'),
    ];
    const reply = await change(mine.access, { current_password: 'old passphrase 1', new_password: NEW });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ message: 'Password changed', revoked: 2 });
    // The caller: the same access token, and the new refresh cookie the answer set.
    expect((await me(mine.access)).status).toBe(200);
    const renewed = refreshCookieOf(reply)!;
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(mine.refresh);
    expect(reply.headers.get('set-cookie')).toMatch(
      /^refresh_token=[^;]+; HttpOnly; Max-Age=\d+; Path=\/auth; SameSite=Lax/,
    );
    expect((await refresh(renewed)).status).toBe(200);
    // Everyone else is out, by access token and by refresh token.
    for (const s of others) {
      expect((await me(s.access)).status).toBe(401);
      expect((await refresh(s.refresh)).status).toBe(401);
    }
    // The new password logs in; the old one does not.
    expect((await login(app.url, username, NEW)).reply.status).toBe(200);
    const old = await request(`${app.url}/auth/token`, 'POST', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=${username}&password=old+passphrase+1`,
    });
    expect(old.status).toBe(401);
  });

  test('a refresh token stolen before the change is dead after it: presented, it ends the session', async () => {
    const username = await app.freshUser('old passphrase 9');
    const mine = await login(app.url, username, 'old passphrase 9');
    const stolen = mine.refresh;
    const reply = await change(mine.access, { current_password: 'old passphrase 9', new_password: NEW });
    expect(reply.status).toBe(200);
    // No grace window: not even a moment after the change does the old token refresh.
    const replay = await refresh(stolen);
    expect([replay.status, replay.body]).toEqual([401, { detail: 'Invalid refresh token' }]);
    expect(loggedJson()).toContainEqual(
      expect.objectContaining({ event: 'refresh_token_reuse', username, sid: expect.any(String) }),
    );
    // A replay is theft: the session it names ends, the new cookie with it (the user logs in again).
    expect((await refresh(refreshCookieOf(reply)!)).status).toBe(401);
    expect((await me(mine.access)).status).toBe(401);
  });

  test('a wrong current password is 401 Incorrect password and changes nothing', async () => {
    const username = await app.freshUser('old passphrase 2');
    const s = await login(app.url, username, 'old passphrase 2');
    const other = await login(app.url, username, 'old passphrase 2');
    const reply = await change(s.access, { current_password: 'not it', new_password: NEW });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ detail: 'Incorrect password' });
    expect((await me(other.access)).status).toBe(200);
    expect((await login(app.url, username, 'old passphrase 2')).reply.status).toBe(200);
  });

  test.each([
    ['too short', 'short7!', 'at least 8 bytes'],
    ['common', 'password123', 'most common'],
    ['the username', '<username>', 'not be the username'],
  ])('a new password that is %s is a 422 saying why, and nothing changes', async (_label, password, why) => {
    const username = `policy-${Math.random().toString(36).slice(2, 10)}`;
    await app.addUser(username, 'old passphrase 3');
    const s = await login(app.url, username, 'old passphrase 3');
    const before = app.proxy.ops.filter((op) => /Put|Update|Delete/.test(op)).length;
    const reply = await change(s.access, {
      current_password: 'old passphrase 3',
      new_password: password.replace('<username>', username),
    });
    expect(reply.status).toBe(422);
    expect(reply.body.detail).toEqual([
      { type: 'value_error', loc: ['body', 'new_password'], msg: expect.stringContaining(why) },
    ]);
    expect(app.proxy.ops.filter((op) => /Put|Update|Delete/.test(op)).length).toBe(before);
  });

  test('missing fields are 422; no token is 401 Not authenticated', async () => {
    const username = await app.freshUser('old passphrase 4');
    const s = await login(app.url, username, 'old passphrase 4');
    const missing = await change(s.access, { new_password: NEW });
    expect(missing.status).toBe(422);
    expect(missing.body.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'current_password'] });
    const none = await request(`${app.url}/auth/password`, 'POST', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ current_password: 'x', new_password: NEW }),
    });
    expect(none).toMatchObject({ status: 401, body: { detail: 'Not authenticated' } });
  });

  test('a token whose session ended is 401, and the places taken beside its read go back', async () => {
    const username = await app.freshUser('old passphrase 6');
    const s = await login(app.url, username, 'old passphrase 6');
    expect((await request(`${app.url}/auth/logout`, 'POST', { cookie: s.refresh })).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const reply = await change(s.access, { current_password: 'old passphrase 6', new_password: NEW });
      expect(reply).toMatchObject({ status: 401, body: { detail: 'Could not validate credentials' } });
    }
    // No place stays counted: six of them would have locked the name out of every login.
    expect((await app.store.getThrottle({ kind: 'user', username }))?.failures ?? 0).toBe(0);
    expect((await login(app.url, username, 'old passphrase 6')).access).toBeTruthy();
    // A weak new password is refused without a place taken, after the read (a live session here).
    const weak = await change(s.access, { current_password: 'old passphrase 6', new_password: 'short' });
    expect(weak.status).toBe(401);
  });

  test('30 parallel wrong current passwords check at most 5 of them; the rest are 429', async () => {
    const username = await app.freshUser('old passphrase 5');
    const s = await login(app.url, username, 'old passphrase 5');
    const spy = jest.spyOn(bcrypt, 'compare');
    try {
      const started = Date.now();
      const replies = await Promise.all(
        Array.from({ length: 30 }, () => change(s.access, { current_password: 'guess', new_password: NEW })),
      );
      const checked = replies.filter((r) => r.status === 401).length;
      expect(checked).toBeLessThanOrEqual(maxChecks(Date.now() - started));
      expect(spy.mock.calls.length).toBe(checked);
      expect(replies.filter((r) => r.status === 429)).toHaveLength(30 - checked);
    } finally {
      spy.mockRestore();
    }
    // One count for every route that checks a password: the login's record holds these failures.
    const record = await app.db.send(
      new GetCommand({ TableName: app.tableName, Key: throttleKey({ kind: 'user', username }), ConsistentRead: true }),
    );
    expect(record.Item?.failures).toBeGreaterThanOrEqual(1);
  });

  test('a store outage at the commit is 503: password unchanged, at worst the caller’s session ended', async () => {
    const username = await app.freshUser('old passphrase 6');
    const s = await login(app.url, username, 'old passphrase 6');
    // UpdateItems: two places taken, the IP's given back, the caller's session moved, then the
    // user item: that fifth one (and every retry of it) fails.
    app.proxy.inject({ op: 'UpdateItem', mode: '5xx', nth: 5 });
    const reply = await change(s.access, { current_password: 'old passphrase 6', new_password: NEW });
    app.proxy.restore();
    expect(reply.status).toBe(503);
    expect((await login(app.url, username, 'old passphrase 6')).reply.status).toBe(200);
    expect((await me(s.access)).status).toBe(401);
  });
});
