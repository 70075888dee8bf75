import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import bcrypt from 'bcryptjs';
import { throttleKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { attemptLogin } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ LOGIN_IP_MAX_FAILURES: '4' });
});
afterAll(() => app.close());

// Every request of these tests comes from 127.0.0.1: each test starts with that address's count gone.
const ipKey = throttleKey({ kind: 'ip', ip: '127.0.0.1' });
beforeEach(() => app.db.send(new DeleteCommand({ TableName: app.tableName, Key: ipKey })));

const attempt = (username: string, password: string) => attemptLogin(app.url, username, password);

test('over LOGIN_IP_MAX_FAILURES failures from one IP refuse every login from it, whatever the username', async () => {
  for (let i = 0; i < 5; i++) expect((await attempt(`spray-${i}`, 'guess')).status).toBe(401);
  const refused = await attempt('johndoe', 'secret');
  expect(refused.status).toBe(429);
  expect(refused.body).toEqual({ detail: 'Too many failed login attempts' });
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(890);
  expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(900);
});

test('30 parallel attempts from one IP, fresh usernames: at most the limit is checked, the rest 429', async () => {
  const spy = jest.spyOn(bcrypt, 'compare');
  try {
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(`burst-${i}`, 'guess')));
    const statuses = replies.map((r) => r.status);
    const checked = statuses.filter((s) => s === 401).length;
    // "More than 4 failures" refuses: at most 5 checked, as five attempts one by one would be.
    expect(checked).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - checked);
    expect(spy.mock.calls.length).toBe(checked);
  } finally {
    spy.mockRestore();
  }
});

test('100 successful logins from one IP leave it unlocked: a success gives its place back', async () => {
  for (let i = 0; i < 3; i++) await app.addUser(`office-${i}`, 'pw');
  for (let i = 0; i < 100; i++) expect((await attempt(`office-${i % 3}`, 'pw')).status).toBe(200);
  const ip = await app.db.send(
    new GetCommand({
      TableName: app.tableName,
      Key: throttleKey({ kind: 'ip', ip: '127.0.0.1' }),
      ConsistentRead: true,
    }),
  );
  expect(ip.Item?.failures ?? 0).toBe(0);
  expect((await attempt('office-0', 'wrong')).status).toBe(401);
}, 30_000);
