import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { outbox } from '../../dev/outbox';
import { counterKey, oneTimeTokenKey, throttleKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { loggedJson } from '../support/logs';
import { attemptLogin, login, request } from '../support/http';
import { lastLinkToken, mailSettled, messagesTo } from '../support/mail';

// POST /auth/password/forgot and /auth/password/reset (docs/http-contract.md "Passwords and accounts"),
// through the dev server and its in-process mail worker, on a real DynamoDB API server.

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());
afterEach(async () => {
  outbox.failing = false;
  app.proxy.restore();
  // Each test starts with an empty per-IP count (every request here comes from 127.0.0.1).
  await app.db.send(
    new DeleteCommand({
      TableName: app.tableName,
      Key: counterKey({ kind: 'ip', ip: '127.0.0.1', scope: 'password_reset' }),
    }),
  );
});

const logged = () => loggedJson();
const post = (path: string, body: unknown) =>
  request(`${app.url}${path}`, 'POST', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const forgot = (username: string) => post('/auth/password/forgot', { username });
const reset = (token: string, newPassword: string) =>
  post('/auth/password/reset', { token, new_password: newPassword });
const ACCEPTED = [202, { message: 'If the account exists, a reset link has been sent' }];
const INVALID = [400, { detail: 'Invalid or expired token' }];
const NEW = 'a brand new passphrase';

let count = 0;
/** A user with an email address and a password, never used before in this file. */
async function person(password = 'old passphrase') {
  const username = `reset-user-${++count}`;
  await app.addUser(username, password, { email: `${username}@example.com`, credentialVersion: `v-${count}` });
  return { username, email: `${username}@example.com`, password };
}

describe('POST /auth/password/forgot', () => {
  test('answers the same for an existing and an unknown user; only the existing one gets a link', async () => {
    const ann = await person();
    const known = await forgot(ann.username);
    const unknown = await forgot('nobody-by-that-name');
    expect([known.status, known.body]).toEqual(ACCEPTED);
    expect([unknown.status, unknown.body]).toEqual(ACCEPTED);
    expect([...known.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
    await mailSettled();
    const [message] = messagesTo(ann.email);
    expect(message.subject).toBe('Reset your password');
    expect(message.text).toMatch(/http:\/\/localhost:3000\/reset-password\?token=[\w-]{43}\n/);
    expect(outbox.messages.filter((m) => m.to.startsWith('nobody'))).toEqual([]);
  });

  test('stores only the SHA-256 of the token, with a 30-minute TTL', async () => {
    const bob = await person();
    const started = Date.now();
    await forgot(bob.username);
    const token = await lastLinkToken(bob.email);
    const hash = createHash('sha256').update(token).digest('hex');
    const item = (await app.db.send(new GetCommand({ TableName: app.tableName, Key: oneTimeTokenKey(hash) }))).Item!;
    expect(item).toMatchObject({ kind: 'password_reset', username: bob.username });
    expect(item.expiresAt * 1000).toBeGreaterThanOrEqual(started + 30 * 60_000);
    expect(item.expiresAt * 1000).toBeLessThanOrEqual(Date.now() + 30 * 60_000 + 1000);
    const all = (await app.db.send(new ScanCommand({ TableName: app.tableName }))).Items!;
    expect(JSON.stringify(all)).not.toContain(token);
  });

  test('a user without an email address, or a disabled one, gets nothing (and the same 202)', async () => {
    await app.addUser('no-email', 'old passphrase');
    const carl = await person();
    await app.updateUser(carl.username, { disabled: true });
    for (const name of ['no-email', carl.username]) expect([(await forgot(name)).status]).toEqual([202]);
    await mailSettled();
    expect(messagesTo(carl.email)).toEqual([]);
  });

  test('beyond 3 requests per user per hour: the same 202, and nothing sent', async () => {
    const dora = await person();
    for (let i = 0; i < 5; i++) expect([(await forgot(dora.username)).status]).toEqual([202]);
    await mailSettled();
    expect(messagesTo(dora.email)).toHaveLength(3);
    expect(logged()).toContainEqual(
      expect.objectContaining({ event: 'password_reset_requested', username: dora.username, reason: 'limited' }),
    );
  });

  test('per source IP: 429 with Retry-After once the window holds LOGIN_IP_MAX_FAILURES requests', async () => {
    const now = Date.now();
    await app.db.send(
      new PutCommand({
        TableName: app.tableName,
        Item: {
          ...counterKey({ kind: 'ip', ip: '127.0.0.1', scope: 'password_reset' }),
          failures: 100,
          lockedUntil: 0,
          windowStart: now,
          expiresAt: Math.ceil((now + 900_000) / 1000),
        },
      }),
    );
    const eve = await person();
    const reply = await forgot(eve.username);
    expect([reply.status, reply.body]).toEqual([429, { detail: 'Too many requests' }]);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(800);
    await mailSettled();
    expect(messagesTo(eve.email)).toEqual([]);
    // Logins from the same address are not held up by it: a count of its own.
    expect((await login(app.url)).reply.status).toBe(200);
  });

  test('bad input is a 4xx that touches nothing', async () => {
    const before = app.proxy.requests;
    const missing = await post('/auth/password/forgot', {});
    expect(missing.status).toBe(422);
    expect(missing.body.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'username'] });
    expect((await post('/auth/password/forgot', { username: 'a\u200bb' })).status).toBe(422);
    const big = await request(`${app.url}/auth/password/forgot`, 'POST', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x'.repeat(20_000) }),
    });
    expect(big.status).toBe(413);
    expect(app.proxy.requests).toBe(before);
  });

  test('the store unreachable: 503 and nothing handed off', async () => {
    const fay = await person();
    app.proxy.cut();
    const reply = await forgot(fay.username);
    expect([reply.status, reply.body]).toEqual([503, { detail: 'Service unavailable' }]);
    app.proxy.restore();
    await mailSettled();
    expect(messagesTo(fay.email)).toEqual([]);
  });

  test('the mail provider refusing changes no answer, and is logged as dependency_unavailable', async () => {
    const gus = await person();
    outbox.failing = true;
    const reply = await forgot(gus.username);
    expect([reply.status, reply.body]).toEqual(ACCEPTED);
    await mailSettled();
    expect(messagesTo(gus.email)).toEqual([]);
    expect(logged()).toContainEqual(
      expect.objectContaining({ message: 'dependency_unavailable', dependency: 'email', errorName: 'OutboxFailure' }),
    );
    // Once it works again, the user asks again and gets a link.
    outbox.failing = false;
    await forgot(gus.username);
    expect(await lastLinkToken(gus.email)).toMatch(/^[\w-]{43}$/);
  });
});

describe('POST /auth/password/reset', () => {
  test('sets the new password, ends every session and clears the lockout', async () => {
    const hal = await person();
    const sessions = [
      await login(app.url, hal.username, hal.password),
      await login(app.url, hal.username, hal.password),
    ];
    for (let i = 0; i < 5; i++) await attemptLogin(app.url, hal.username, 'wrong');
    expect((await attemptLogin(app.url, hal.username, hal.password)).status).toBe(429);
    await forgot(hal.username);
    const reply = await reset(await lastLinkToken(hal.email), NEW);
    expect([reply.status, reply.body]).toEqual([200, { message: 'Password reset' }]);
    for (const s of sessions) {
      expect((await request(`${app.url}/users/me`, 'GET', { bearer: s.access })).status).toBe(401);
      expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: s.refresh })).status).toBe(401);
    }
    expect(await app.sessionsOf(hal.username)).toEqual([]);
    const lock = await app.db.send(
      new GetCommand({ TableName: app.tableName, Key: throttleKey({ kind: 'user', username: hal.username }) }),
    );
    expect(lock.Item).toBeUndefined();
    expect((await attemptLogin(app.url, hal.username, NEW)).status).toBe(200);
    expect((await attemptLogin(app.url, hal.username, hal.password)).status).toBe(401);
    expect(logged()).toContainEqual(
      expect.objectContaining({ event: 'password_reset', username: hal.username, revoked: 2 }),
    );
  });

  test('a token works once: used again it is refused', async () => {
    const ida = await person();
    await forgot(ida.username);
    const token = await lastLinkToken(ida.email);
    expect((await reset(token, NEW)).status).toBe(200);
    const again = await reset(token, 'yet another passphrase');
    expect([again.status, again.body]).toEqual(INVALID);
    expect((await attemptLogin(app.url, ida.username, NEW)).status).toBe(200);
  });

  test('two resets racing with the same token: exactly one succeeds', async () => {
    for (let round = 0; round < 5; round++) {
      const jan = await person();
      await forgot(jan.username);
      const token = await lastLinkToken(jan.email);
      const replies = await Promise.all([
        reset(token, 'first racing passphrase'),
        reset(token, 'second racing passphrase'),
      ]);
      expect(replies.map((r) => r.status).sort()).toEqual([200, 400]);
      const winner = replies[0].status === 200 ? 'first racing passphrase' : 'second racing passphrase';
      expect((await attemptLogin(app.url, jan.username, winner)).status).toBe(200);
    }
  });

  test('an expired token (still in the table: TTL deletes lazily) is refused and changes nothing', async () => {
    const kim = await person();
    await forgot(kim.username);
    const token = await lastLinkToken(kim.email);
    const Key = oneTimeTokenKey(createHash('sha256').update(token).digest('hex'));
    const item = (await app.db.send(new GetCommand({ TableName: app.tableName, Key }))).Item!;
    await app.db.send(
      new PutCommand({ TableName: app.tableName, Item: { ...item, expiresAt: Math.floor(Date.now() / 1000) - 1 } }),
    );
    expect([(await reset(token, NEW)).status]).toEqual([400]);
    expect((await attemptLogin(app.url, kim.username, kim.password)).status).toBe(200);
  });

  test('a malformed or unknown token is refused (a malformed one without touching the table)', async () => {
    const before = app.proxy.requests;
    for (const token of ['', 'short', 'x'.repeat(43) + '!', '../../etc/passwd']) {
      const reply = await reset(token, NEW);
      expect(reply.status).toBe(token === '' ? 422 : 400);
    }
    expect(app.proxy.requests).toBe(before);
    expect([(await reset('A'.repeat(43), NEW)).status]).toEqual([400]);
  });

  test('a password the policy refuses is 422 and the token still works', async () => {
    const lou = await person();
    await forgot(lou.username);
    const token = await lastLinkToken(lou.email);
    for (const bad of ['short', 'password', lou.username, 'é'.repeat(37)]) {
      const reply = await reset(token, bad);
      expect(reply.status).toBe(422);
      expect(reply.body.detail[0].loc).toEqual(['body', 'new_password']);
    }
    expect((await reset(token, NEW)).status).toBe(200);
  });

  test('a disabled user: no link is sent, and a link sent before the disable is refused', async () => {
    // Chosen: a disable is an administrator's decision (often because the account was taken over);
    // whoever holds the mailbox must not get around it, nor set a password that works on re-enable.
    const max = await person();
    await forgot(max.username);
    const token = await lastLinkToken(max.email);
    await app.updateUser(max.username, { disabled: true });
    expect([(await reset(token, NEW)).status]).toEqual([400]);
    await app.updateUser(max.username, { disabled: false });
    expect((await attemptLogin(app.url, max.username, max.password)).status).toBe(200);
    expect([(await reset(token, NEW)).status]).toEqual([400]); // spent
  });

  test("a refused link (the user disabled since it was sent) leaves the username's lockout as it was", async () => {
    const lex = await person();
    await forgot(lex.username);
    const token = await lastLinkToken(lex.email);
    for (let i = 0; i < 5; i++) await attemptLogin(app.url, lex.username, 'wrong');
    await app.updateUser(lex.username, { disabled: true });
    expect([(await reset(token, NEW)).status]).toEqual([400]);
    const lock = await app.db.send(
      new GetCommand({ TableName: app.tableName, Key: throttleKey({ kind: 'user', username: lex.username }) }),
    );
    expect(lock.Item?.failures).toBe(5);
    await app.updateUser(lex.username, { disabled: false });
    expect((await attemptLogin(app.url, lex.username, lex.password)).status).toBe(429);
  });

  test('a link is dead once the password has changed since it was sent', async () => {
    const ned = await person();
    await forgot(ned.username);
    const token = await lastLinkToken(ned.email);
    const s = await login(app.url, ned.username, ned.password);
    const changed = await request(`${app.url}/auth/password`, 'POST', {
      bearer: s.access,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ current_password: ned.password, new_password: NEW }),
    });
    expect(changed.status).toBe(200);
    expect([(await reset(token, 'the attacker passphrase')).status]).toEqual([400]);
    expect((await attemptLogin(app.url, ned.username, NEW)).status).toBe(200);
  });

  test('the store failing at the password write: 503, the password unchanged, and the link still works', async () => {
    const oli = await person();
    await forgot(oli.username);
    const token = await lastLinkToken(oli.email);
    app.proxy.inject({ op: 'UpdateItem', mode: '5xx' });
    const reply = await reset(token, NEW);
    expect([reply.status, reply.body]).toEqual([503, { detail: 'Service unavailable' }]);
    app.proxy.restore();
    expect((await attemptLogin(app.url, oli.username, oli.password)).status).toBe(200);
    expect((await reset(token, NEW)).status).toBe(200);
    expect((await attemptLogin(app.url, oli.username, NEW)).status).toBe(200);
  });

  test('the store unreachable: 503 and nothing changed', async () => {
    const pia = await person();
    await forgot(pia.username);
    const token = await lastLinkToken(pia.email);
    app.proxy.cut();
    expect([(await reset(token, NEW)).status]).toEqual([503]);
    app.proxy.restore();
    expect((await reset(token, NEW)).status).toBe(200);
  });
});
