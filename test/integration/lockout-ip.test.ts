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

test("a burst refused at the full address forgets none of the username's failures: 5 checked, then 429", async () => {
  await app.addUser('victim', 'right-pw');
  const userKey = throttleKey({ kind: 'user', username: 'victim' });
  for (let i = 0; i < 3; i++) expect((await attempt('victim', 'wrong')).status).toBe(401);
  expect((await attempt('spray-x', 'guess')).status).toBe(401); // the address now holds exactly its limit
  const burst = await Promise.all(Array.from({ length: 3 }, () => attempt('victim', 'wrong')));
  const checked = burst.filter((r) => r.status === 401).length;
  expect(checked + burst.filter((r) => r.status === 429).length).toBe(3);
  expect(checked).toBeLessThanOrEqual(1);
  const read = () => app.db.send(new GetCommand({ TableName: app.tableName, Key: userKey, ConsistentRead: true }));
  expect((await read()).Item?.failures).toBeGreaterThanOrEqual(3 + checked);
  // From a fresh address: the username's fifth failure in all locks it, whatever the burst did.
  await app.db.send(new DeleteCommand({ TableName: app.tableName, Key: ipKey }));
  for (let n = 3 + checked; n < 5; n++) expect([401, 429]).toContain((await attempt('victim', 'wrong')).status);
  expect((await attempt('victim', 'right-pw')).status).toBe(429);
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
