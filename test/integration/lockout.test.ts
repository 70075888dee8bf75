import bcrypt from 'bcryptjs';
import { throttleKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { maxChecks } from '../support/lockout';
import { attemptLogin } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

let n = 0;
/** A fresh user (or, with exists=false, a fresh unknown username) so each test starts with a clean count. */
async function freshUser(exists = true): Promise<string> {
  const username = `lock-${++n}-${Date.now()}`;
  if (exists) await app.addUser(username, 'right');
  return username;
}
const attempt = (username: string, password: string) => attemptLogin(app.url, username, password);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const throttle = async (username: string) =>
  (
    await app.db.send(
      new (
        await import('@aws-sdk/lib-dynamodb')
      ).GetCommand({ TableName: app.tableName, Key: throttleKey({ kind: 'user', username }), ConsistentRead: true }),
    )
  ).Item;

describe('brute-force lockout', () => {
  test.each([
    ['an existing user', true],
    ['an unknown username', false],
  ])(
    'after 5 failures for %s the next attempt is refused for 1 s with Retry-After, without checking the password',
    async (_label, exists) => {
      const username = await freshUser(exists);
      for (let i = 0; i < 5; i++) expect((await attempt(username, 'wrong')).status).toBe(401);
      const spy = jest.spyOn(bcrypt, 'compare');
      const locked = await attempt(username, 'right');
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      expect(locked.status).toBe(429);
      expect(locked.body).toEqual({ detail: 'Too many failed login attempts' });
      expect(locked.headers.get('retry-after')).toBe('1');
    },
  );

  test('a refused attempt does not extend the lock; the lock doubles per further failure', async () => {
    const username = await freshUser();
    for (let i = 0; i < 5; i++) await attempt(username, 'wrong');
    const lockedUntil = (await throttle(username))!.lockedUntil;
    expect((await attempt(username, 'wrong')).status).toBe(429);
    expect((await throttle(username))!.lockedUntil).toBe(lockedUntil);

    await sleep(1100);
    const before = Date.now();
    expect((await attempt(username, 'wrong')).status).toBe(401); // the 6th failure
    const after = Date.now();
    const second = await attempt(username, 'right');
    expect(second.status).toBe(429);
    expect(['1', '2']).toContain(second.headers.get('retry-after'));
    const t = (await throttle(username))!;
    expect(t.failures).toBe(6);
    // Locked for 2 s from the moment of the 6th failure.
    expect(t.lockedUntil).toBeGreaterThanOrEqual(before + 2000);
    expect(t.lockedUntil).toBeLessThanOrEqual(after + 2000);
  });

  test('a successful login resets the count', async () => {
    const username = await freshUser();
    for (let i = 0; i < 4; i++) await attempt(username, 'wrong');
    expect((await attempt(username, 'right')).status).toBe(200);
    expect(await throttle(username)).toBeUndefined();
    for (let i = 0; i < 4; i++) expect((await attempt(username, 'wrong')).status).toBe(401);
    expect((await attempt(username, 'right')).status).toBe(200);
  });

  test('a correct password for a disabled user counts as a failure', async () => {
    const username = await freshUser();
    await app.updateUser(username, { disabled: true });
    for (let i = 0; i < 5; i++) expect((await attempt(username, 'right')).status).toBe(401);
    expect((await attempt(username, 'right')).status).toBe(429);
  });

  test('failures are forgotten once the record expires, even before TTL deletes it', async () => {
    const username = await freshUser();
    for (let i = 0; i < 5; i++) await attempt(username, 'wrong');
    expect((await attempt(username, 'right')).status).toBe(429);
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await app.db.send(
      new UpdateCommand({
        TableName: app.tableName,
        Key: throttleKey({ kind: 'user', username }),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    expect((await attempt(username, 'wrong')).status).toBe(401);
    expect((await throttle(username))!.failures).toBe(1);
    expect((await attempt(username, 'right')).status).toBe(200);
  });

  test('30 parallel attempts for one fresh username: at most 5 passwords are checked, the rest are 429', async () => {
    const username = await freshUser();
    const spy = jest.spyOn(bcrypt, 'compare');
    try {
      const started = Date.now();
      const replies = await Promise.all(Array.from({ length: 30 }, () => attempt(username, 'wrong')));
      const statuses = replies.map((r) => r.status);
      const checked = statuses.filter((s) => s === 401).length;
      expect(checked).toBeLessThanOrEqual(maxChecks(Date.now() - started));
      expect(statuses.filter((s) => s === 429)).toHaveLength(30 - checked);
      expect(spy.mock.calls.length).toBe(checked);
      // The lock is the one five failures one by one would set (1 s), not longer.
      const t = (await throttle(username))!;
      expect(t.failures).toBe(checked);
      if (checked === 5) expect(t.lockedUntil - Date.now()).toBeLessThanOrEqual(1000);
    } finally {
      spy.mockRestore();
    }
  });

  test('29 wrong passwords and the right one at once: no more checked than one by one in the worst order', async () => {
    const username = await freshUser();
    const spy = jest.spyOn(bcrypt, 'compare');
    try {
      const replies = await Promise.all(
        Array.from({ length: 30 }, (_, i) => attempt(username, i === 13 ? 'right' : 'wrong')),
      );
      const statuses = replies.map((r) => r.status);
      // Worst order one by one: 4 wrong, the right one (which resets the count), 5 wrong. Before
      // places were taken first, all 30 were checked.
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(9);
      expect(spy.mock.calls.length).toBeLessThanOrEqual(10);
    } finally {
      spy.mockRestore();
    }
  });

  test('parallel failures are all counted', async () => {
    const username = await freshUser();
    const replies = await Promise.all(Array.from({ length: 12 }, () => attempt(username, 'wrong')));
    expect(replies.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect((await throttle(username))!.failures).toBe(replies.filter((r) => r.status === 401).length);
    expect((await attempt(username, 'right')).status).toBe(429);
  });

  test('every failure and lock is audited, without the password', async () => {
    const username = await freshUser();
    const logs = (globalThis as { __logLines?: string[] }).__logLines!;
    const before = logs.length;
    for (let i = 0; i < 5; i++) await attempt(username, 'correct horse battery staple');
    await attempt(username, 'right');
    const mine = logs
      .slice(before)
      .filter((l) => l.includes(username))
      .map((l) => JSON.parse(l));
    expect(mine.map((l) => l.event)).toEqual([...Array(5).fill('login_failed'), 'login_locked']);
    expect(mine[0]).toMatchObject({
      audit: true,
      reason: 'bad_password',
      sourceIp: expect.any(String),
      userAgent: expect.any(String),
    });
  });
});
