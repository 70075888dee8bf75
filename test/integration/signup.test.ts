import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { outbox } from '../../dev/outbox';
import { counterKey, userKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { logLines, loggedJson } from '../support/logs';
import { attemptLogin, request } from '../support/http';
import { lastLinkToken, mailSettled, messagesTo } from '../support/mail';

// POST /auth/signup, /auth/email/verify and /auth/email/verify/resend with ALLOW_SIGNUP on (and so,
// by default, REQUIRE_EMAIL_VERIFICATION), through the dev server, on a real DynamoDB API server.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOW_SIGNUP: 'true' });
});
afterAll(() => app.close());
afterEach(async () => {
  outbox.failing = false;
  app.proxy.restore();
  for (const scope of ['signup', 'email_verify'] as const)
    await app.db.send(
      new DeleteCommand({ TableName: app.tableName, Key: counterKey({ kind: 'ip', ip: '127.0.0.1', scope }) }),
    );
});

const post = (path: string, body: unknown) =>
  request(`${app.url}${path}`, 'POST', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const signup = (body: Record<string, unknown>) => post('/auth/signup', body);
const verify = (token: string) => post('/auth/email/verify', { token });
const resend = (username: string) => post('/auth/email/verify/resend', { username });
const userItem = async (username: string) =>
  (await app.db.send(new GetCommand({ TableName: app.tableName, Key: userKey(username), ConsistentRead: true }))).Item;
const PASSWORD = 'a long enough passphrase';

let count = 0;
const newcomer = () => {
  const username = `newcomer-${++count}`;
  return { username, password: PASSWORD, email: `${username}@example.com` };
};

describe('POST /auth/signup', () => {
  test('creates an unverified user and sends a verification link', async () => {
    const who = newcomer();
    const reply = await signup({ ...who, full_name: 'New Comer' });
    expect([reply.status, reply.body]).toEqual([
      201,
      { username: who.username, email: who.email, full_name: 'New Comer', disabled: false, email_verified: false },
    ]);
    expect(await userItem(who.username)).toMatchObject({ emailVerified: false, disabled: false, email: who.email });
    const token = await lastLinkToken(who.email);
    expect(messagesTo(who.email)[0].text).toContain(`http://localhost:3000/verify-email?token=${token}`);
    // It names the account it verifies: the address may be someone's who never signed up for it.
    expect(messagesTo(who.email)[0].text).toContain(`the account "${who.username}"`);
  });

  test('the username in its canonical form; a taken one is 409 and changes nothing', async () => {
    const who = newcomer();
    expect((await signup({ ...who, username: `  ${who.username.toUpperCase()} ` })).body.username).toBe(who.username);
    const before = await userItem(who.username);
    const again = await signup({ ...who, password: 'another passphrase', email: 'other@example.com' });
    expect([again.status, again.body]).toEqual([409, { detail: 'Username already registered' }]);
    expect(await userItem(who.username)).toEqual(before);
    expect([(await signup({ ...newcomer(), username: 'johndoe' })).status]).toEqual([409]);
  });

  test('a name that looks like a registered one (same TS #39 skeleton) is taken: 409, nothing written', async () => {
    // Cyrillic о (U+043E) and ј (U+0458): NFKC keeps them, a reader cannot tell them from Latin.
    for (const username of ['johnd\u043ee', '\u0458ohndoe']) {
      const reply = await signup({ ...newcomer(), username });
      expect([username, reply.status, reply.body]).toEqual([username, 409, { detail: 'Username already registered' }]);
      expect(await userItem(username)).toBeUndefined();
    }
  });

  test('two look-alike names signing up at once: exactly one account', async () => {
    const latin = newcomer();
    const cyrillic = { ...newcomer(), username: latin.username.replace('o', '\u043e') };
    const replies = await Promise.all([signup(latin), signup(cyrillic)]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
    const created = await Promise.all([userItem(latin.username), userItem(cyrillic.username)]);
    expect(created.filter(Boolean)).toHaveLength(1);
    await mailSettled(); // the account's verification job, so that it does not run into the next test
  });

  test('a refused password, a bad or missing email, a bad username: 422 and nothing written', async () => {
    const who = newcomer();
    const before = app.proxy.requests;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...who, password: 'short' }, 'password'],
      [{ ...who, password: who.username }, 'password'],
      [{ ...who, password: 'iloveyou' }, 'password'],
      [{ ...who, password: 'x'.repeat(73) }, 'password'],
      [{ ...who, email: 'not-an-address' }, 'email'],
      [{ username: who.username, password: PASSWORD }, 'email'],
      [{ ...who, username: 'a\u202eb' }, 'username'],
      // A small capital (phonetic letters look like plain ones and confusables.txt does not map them).
      [{ ...who, username: `\u1d00${who.username}` }, 'username'],
      [{ ...who, full_name: 'x'.repeat(257) }, 'full_name'],
    ];
    for (const [body, field] of cases) {
      const reply = await signup(body);
      expect([field, reply.status]).toEqual([field, 422]);
      expect(reply.body.detail[0].loc).toEqual(['body', field]);
    }
    expect(app.proxy.requests).toBe(before);
    expect(await userItem(who.username)).toBeUndefined();
  });

  test('at most SIGNUP_IP_MAX_PER_HOUR per source IP: then 429 with Retry-After, nothing written', async () => {
    for (let i = 0; i < 10; i++) expect((await signup(newcomer())).status).toBe(201);
    const who = newcomer();
    const reply = await signup(who);
    expect([reply.status, reply.body]).toEqual([429, { detail: 'Too many requests' }]);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(await userItem(who.username)).toBeUndefined();
  });

  test('the mail provider refusing: the account still stands, and a resend delivers', async () => {
    const who = newcomer();
    outbox.failing = true;
    expect((await signup(who)).status).toBe(201);
    await mailSettled();
    expect(messagesTo(who.email)).toEqual([]);
    outbox.failing = false;
    expect((await resend(who.username)).status).toBe(202);
    expect((await verify(await lastLinkToken(who.email))).status).toBe(200);
  });

  test('the store unreachable: 503 and no user', async () => {
    const who = newcomer();
    app.proxy.cut();
    expect([(await signup(who)).status]).toEqual([503]);
    app.proxy.restore();
    expect(await userItem(who.username)).toBeUndefined();
  });
});

describe('email verification', () => {
  test('an unverified user: a wrong password is 401, the right one 403 with no session; verified, 200', async () => {
    const who = newcomer();
    await signup(who);
    const token = await lastLinkToken(who.email);
    expect([(await attemptLogin(app.url, who.username, 'wrong password')).status]).toEqual([401]);
    const refused = await attemptLogin(app.url, who.username, PASSWORD);
    expect([refused.status, refused.body]).toEqual([403, { detail: 'Email not verified' }]);
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(await app.sessionsOf(who.username)).toEqual([]);
    // The OAuth endpoint refuses the grant the same way.
    const oauth = await request(`${app.url}/oauth2/token`, 'POST', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: who.username, password: PASSWORD }).toString(),
    });
    expect([oauth.status, oauth.body]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'Email not verified' },
    ]);

    const verified = await verify(token);
    expect([verified.status, verified.body]).toEqual([200, { message: 'Email verified' }]);
    expect((await userItem(who.username))!.emailVerified).toBe(true);
    expect((await attemptLogin(app.url, who.username, PASSWORD)).status).toBe(200);
  });

  test('a verification token works once; malformed, unknown or a reset token are refused', async () => {
    const who = newcomer();
    await signup(who);
    const token = await lastLinkToken(who.email);
    expect((await verify(token)).status).toBe(200);
    for (const t of [token, 'nope', 'B'.repeat(43)])
      expect([(await verify(t)).body]).toEqual([{ detail: 'Invalid or expired token' }]);
    // A reset link's token is not a verification token (nor the other way round).
    await post('/auth/password/forgot', { username: who.username });
    const resetToken = await lastLinkToken(who.email);
    expect([(await verify(resetToken)).status]).toEqual([400]);
    expect((await post('/auth/password/reset', { token: resetToken, new_password: 'reset passphrase' })).status).toBe(
      200,
    );
  });

  test('two verifications racing with the same token: exactly one succeeds', async () => {
    const who = newcomer();
    await signup(who);
    const token = await lastLinkToken(who.email);
    const replies = await Promise.all([verify(token), verify(token)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  test('resend: the same 202 for everyone; a message only to an unverified user, at most 3 an hour', async () => {
    const who = newcomer();
    await signup(who); // one message
    const accepted = [202, { message: 'If the account needs it, a verification link has been sent' }];
    for (const name of [who.username, 'johndoe', 'no-such-user']) {
      const reply = await resend(name);
      expect([reply.status, reply.body]).toEqual(accepted);
    }
    for (let i = 0; i < 3; i++) await resend(who.username);
    await mailSettled();
    expect(messagesTo(who.email)).toHaveLength(3);
    expect(messagesTo('johndoe@example.com').filter((m) => m.subject.startsWith('Verify'))).toEqual([]);
  });

  test('users written before the rule (no emailVerified) count as verified', async () => {
    expect((await attemptLogin(app.url, 'johndoe', 'secret')).status).toBe(200);
    await app.db.send(
      new PutCommand({
        TableName: app.tableName,
        Item: { ...(await userItem('johndoe')), ...userKey('legacy-user'), username: 'legacy-user' },
      }),
    );
    expect((await attemptLogin(app.url, 'legacy-user', 'secret')).status).toBe(200);
  });

  test('the store failing at the verification write: 503, and the link still works', async () => {
    const who = newcomer();
    await signup(who);
    const token = await lastLinkToken(who.email);
    app.proxy.inject({ op: 'UpdateItem', mode: '5xx' });
    expect([(await verify(token)).status]).toEqual([503]);
    app.proxy.restore();
    expect((await verify(token)).status).toBe(200);
  });
});

test('each account audit event is logged with who and where, and no token, link or password', async () => {
  const lines = logLines();
  const before = lines.length;
  const who = newcomer();
  await signup(who);
  const verifyToken = await lastLinkToken(who.email);
  await verify(verifyToken);
  await post('/auth/password/forgot', { username: who.username });
  await post('/auth/password/forgot', { username: 'typed-a-password-here' });
  const resetToken = await lastLinkToken(who.email);
  await post('/auth/password/reset', { token: resetToken, new_password: 'the second passphrase' });
  const s = await request(`${app.url}/auth/token`, 'POST', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: who.username, password: 'the second passphrase' }),
  });
  await request(`${app.url}/auth/password`, 'POST', {
    bearer: s.body.access_token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ current_password: 'the second passphrase', new_password: 'the third passphrase' }),
  });
  await mailSettled();
  const logged = lines.slice(before);
  const events = loggedJson(logged);
  const audit = events.filter((e) => e.audit);
  const names = [
    'signup',
    'email_verification_requested',
    'email_verified',
    'password_reset_requested',
    'password_reset',
    'password_changed',
  ];
  expect(names.filter((name) => audit.some((e) => e.event === name && e.username === who.username))).toEqual(names);
  for (const e of audit.filter((x) => x.event !== 'password_reset_requested' || x.username)) {
    expect([e.event, e.username]).toEqual([e.event, expect.any(String)]);
    expect(e).toMatchObject({ sourceIp: '127.0.0.1', userAgent: expect.any(String) });
  }
  // A name that is no user is not logged at all: it may be a password typed in the wrong field.
  expect(audit).toContainEqual(expect.objectContaining({ event: 'password_reset_requested', reason: 'unknown_user' }));
  const text = logged.join('\n');
  for (const secret of [verifyToken, resetToken, 'typed-a-password-here', PASSWORD, 'the second passphrase'])
    expect(text).not.toContain(secret);
  expect(text).not.toMatch(/token=|\$2[aby]\$/);
});
