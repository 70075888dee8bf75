import { startApp, type TestApp } from '../support/app';
import { form, login, refreshCookieOf, request } from '../support/http';
import { loggedJson } from '../support/logs';
import { lastLinkToken } from '../support/mail';
import { codeAt, enrolledUser, firstFactor, forgetLastStep, json, verify } from '../support/mfa';

// TOTP, recovery codes and the MFA step of every login (docs/mfa.md), over real HTTP on the dev
// server and a real DynamoDB API server; codes computed by otpauth from the secret shown at setup.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ LOGIN_MAX_FAILURES: '5' });
});
afterAll(() => app.close());

const me = (bearer: string) => request(`${app.url}/users/me`, 'GET', { bearer });
const post = (path: string, bearer: string, body?: Record<string, unknown>) =>
  request(`${app.url}${path}`, 'POST', { bearer, ...(body ? json(body) : {}) });
const oauth = (fields: Record<string, string>) => request(`${app.url}/oauth2/token`, 'POST', form(fields));
const MFA_GRANT = 'urn:serverless-auth-api:params:oauth:grant-type:mfa';

describe('setting TOTP up', () => {
  test('setup shows a secret once; confirm turns TOTP on, gives ten recovery codes, ends other sessions', async () => {
    const username = await app.freshUser('mfa passphrase 1');
    const mine = await login(app.url, username, 'mfa passphrase 1');
    const other = await login(app.url, username, 'mfa passphrase 1');
    const setup = await post('/auth/mfa/totp/setup', mine.access);
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.expires_in).toBe(600);
    const issuer = new URL(app.url).hostname; // without the port: a colon would split the label
    expect(setup.body.otpauth_uri).toBe(
      `otpauth://totp/${encodeURIComponent(issuer)}:${username}?secret=${setup.body.secret}` +
        `&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`,
    );
    // Pending is not on: the password alone still logs in.
    expect((await login(app.url, username, 'mfa passphrase 1')).reply.status).toBe(200);
    // The secret is stored only encrypted.
    const stored = await app.store.getSecondFactorUser(username);
    expect(JSON.stringify(stored)).not.toContain(setup.body.secret);

    const wrong = await post('/auth/mfa/totp/confirm', mine.access, { code: codeAt(setup.body.secret, 5) });
    expect([wrong.status, wrong.body]).toEqual([400, { detail: 'Invalid code' }]);
    const confirm = await post('/auth/mfa/totp/confirm', mine.access, { code: codeAt(setup.body.secret) });
    expect(confirm.status).toBe(200);
    expect(confirm.body.message).toBe('TOTP enabled');
    expect(confirm.body.recovery_codes).toHaveLength(10);
    expect(confirm.body.recovery_codes.map((c: string) => c[0])).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    for (const c of confirm.body.recovery_codes)
      expect(c).toMatch(/^[0-9][0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(confirm.body.revoked).toBeGreaterThanOrEqual(2);
    // This session carries on, with a new refresh cookie; the others are over.
    expect((await me(mine.access)).status).toBe(200);
    expect(refreshCookieOf(confirm)).toBeDefined();
    expect((await me(other.access)).status).toBe(401);
    const status = await request(`${app.url}/auth/mfa`, 'GET', { bearer: mine.access });
    expect(status.body).toEqual({
      totp_enabled: true,
      totp_enabled_at: expect.any(String),
      recovery_codes_left: 10,
      passkeys: 0,
    });
    // Again: already on.
    expect((await post('/auth/mfa/totp/setup', mine.access)).body).toEqual({ detail: 'TOTP already enabled' });
  });

  test('confirm without a setup, or after it expired, is 400 No TOTP setup in progress', async () => {
    const username = await app.freshUser('mfa passphrase 2');
    const s = await login(app.url, username, 'mfa passphrase 2');
    const none = await post('/auth/mfa/totp/confirm', s.access, { code: '123456' });
    expect([none.status, none.body]).toEqual([400, { detail: 'No TOTP setup in progress' }]);
    const setup = await post('/auth/mfa/totp/setup', s.access);
    const stored = await app.store.getSecondFactorUser(username);
    await app.updateUser(username, { totpPending: { ...stored!.totpPending, createdAt: Date.now() - 601_000 } });
    const late = await post('/auth/mfa/totp/confirm', s.access, { code: codeAt(setup.body.secret) });
    expect([late.status, late.body]).toEqual([400, { detail: 'No TOTP setup in progress' }]);
  });

  test('the routes marked recent refuse a session whose login is older than REAUTH_MAX_AGE_SECONDS', async () => {
    const username = await app.freshUser('mfa passphrase 3');
    const s = await login(app.url, username, 'mfa passphrase 3');
    await app.updateSession(s.sid, { authAt: Date.now() - 601_000 });
    const reply = await post('/auth/mfa/totp/setup', s.access);
    expect([reply.status, reply.body]).toEqual([403, { detail: 'Recent authentication required: log in again' }]);
    // A session from before the rule has no authAt: never recent.
    await app.updateSession(s.sid, { authAt: null });
    await app.db.send(
      new (await import('@aws-sdk/lib-dynamodb')).UpdateCommand({
        TableName: app.tableName,
        Key: { pk: `SESSION#${s.sid}`, sk: 'SESSION' },
        UpdateExpression: 'REMOVE authAt',
      }),
    );
    expect((await post('/auth/mfa/totp/setup', s.access)).status).toBe(403);
    expect((await app.store.getSecondFactorUser(username))?.totpPending).toBeUndefined();
  });

  test('an ended session’s token is refused: credentials changed elsewhere, user disabled', async () => {
    const username = await app.freshUser('mfa passphrase 4');
    const s = await login(app.url, username, 'mfa passphrase 4');
    expect((await request(`${app.url}/auth/mfa`, 'GET', { bearer: s.access })).status).toBe(200);
    // Another credential version, its other sessions not yet tidied away: this one is over.
    await app.updateUser(username, { credentialVersion: 'changed-elsewhere' });
    for (const reply of [
      await request(`${app.url}/auth/mfa`, 'GET', { bearer: s.access }),
      await post('/auth/mfa/totp/setup', s.access),
    ])
      expect([reply.status, reply.body]).toEqual([401, { detail: 'Could not validate credentials' }]);
    expect((await app.store.getSecondFactorUser(username))?.totpPending).toBeUndefined();
    const again = await login(app.url, username, 'mfa passphrase 4');
    await app.updateUser(username, { disabled: true });
    const disabled = await request(`${app.url}/auth/mfa`, 'GET', { bearer: again.access });
    expect([disabled.status, disabled.body]).toEqual([400, { detail: 'Inactive user' }]);
  });
});

describe('logging in with MFA on', () => {
  test('the right password answers 403 mfa_required with a token, no cookie; the code starts the session', async () => {
    const u = await enrolledUser(app);
    const reply = await request(`${app.url}/auth/token`, 'POST', form({ username: u.username, password: u.password }));
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      detail: 'MFA required',
      mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      mfa_methods: ['totp', 'recovery_code'],
      expires_in: 300,
    });
    expect(reply.setCookies).toEqual([]);
    await forgetLastStep(app, u.username);
    const done = await verify(app, { mfa_token: reply.body.mfa_token, code: codeAt(u.secret) });
    expect(done.status).toBe(200);
    expect(done.body.token_type).toBe('bearer');
    const sid = String(JSON.parse(Buffer.from(refreshCookieOf(done)!.split('.')[1], 'base64url').toString()).sid);
    expect((await app.session(sid))?.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await me(done.body.access_token)).status).toBe(200);
    // The token is used up.
    const again = await verify(app, { mfa_token: reply.body.mfa_token, code: codeAt(u.secret, 1) });
    expect([again.status, again.body]).toEqual([401, { detail: 'Invalid or expired MFA token' }]);
    expect(loggedJson()).toContainEqual(
      expect.objectContaining({ event: 'login_succeeded', username: u.username, method: 'totp' }),
    );
  });

  test('the same code twice is refused (the replay guard), even under another token', async () => {
    const u = await enrolledUser(app);
    await forgetLastStep(app, u.username);
    const code = codeAt(u.secret);
    const first = await verify(app, { mfa_token: await firstFactor(app, u.username, u.password), code });
    expect(first.status).toBe(200);
    const token = await firstFactor(app, u.username, u.password);
    const replay = await verify(app, { mfa_token: token, code });
    expect([replay.status, replay.body]).toEqual([401, { detail: 'Invalid code' }]);
    expect(loggedJson()).toContainEqual(
      expect.objectContaining({ event: 'mfa_failed', username: u.username, reason: 'replayed_code' }),
    );
    // The token stays usable until it expires: the next step's code works.
    expect((await verify(app, { mfa_token: token, code: codeAt(u.secret, 1) })).status).toBe(200);
  });

  test('concurrent verifies with one code: exactly one session', async () => {
    const u = await enrolledUser(app);
    await forgetLastStep(app, u.username);
    const tokens = await Promise.all([1, 2, 3].map(() => firstFactor(app, u.username, u.password)));
    const code = codeAt(u.secret);
    const replies = await Promise.all(tokens.map((mfa_token) => verify(app, { mfa_token, code })));
    // Exactly one session. The losers are wrong codes (401), or 429: three first factors hold three places,
    // three attempts take three more, and the fifth of LOGIN_MAX_FAILURES (5) locks unless the winner gave its
    // places back first (the lock is the contract's: at most the threshold of codes is checked).
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses.slice(1).every((s) => s === 401 || s === 429)).toBe(true);
  });

  test('a recovery code works once, in any case and with spaces; the count goes down', async () => {
    const u = await enrolledUser(app);
    const code = u.recoveryCodes[3];
    const typed = ` ${code.toLowerCase().replace(/-/g, ' ')} `;
    const ok = await verify(app, { mfa_token: await firstFactor(app, u.username, u.password), recovery_code: typed });
    expect(ok.status).toBe(200);
    const again = await verify(app, { mfa_token: await firstFactor(app, u.username, u.password), recovery_code: code });
    expect([again.status, again.body]).toEqual([401, { detail: 'Invalid code' }]);
    const status = await request(`${app.url}/auth/mfa`, 'GET', { bearer: ok.body.access_token });
    expect(status.body.recovery_codes_left).toBe(9);
    expect(loggedJson()).toContainEqual(
      expect.objectContaining({ event: 'recovery_code_used', username: u.username, remaining: 9 }),
    );
  });

  test('wrong codes are counted: the username locks after LOGIN_MAX_FAILURES, however many tokens', async () => {
    const u = await enrolledUser(app);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const token = await firstFactor(app, u.username, u.password).catch(() => undefined);
      if (!token) {
        statuses.push(429);
        continue;
      }
      statuses.push((await verify(app, { mfa_token: token, code: '000000' })).status);
    }
    // Each attempt holds the first factor's place and the code's: the lock comes within a few tries.
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
  });

  test('malformed requests are 422 and read nothing', async () => {
    const before = app.proxy.calls.length;
    for (const body of [
      { mfa_token: 'x', code: '123456' },
      { mfa_token: 'a'.repeat(43) },
      { mfa_token: 'a'.repeat(43), code: '12345' },
      { mfa_token: 'a'.repeat(43), code: '123456', recovery_code: '0AAA-BBBB-CCCC' },
      { mfa_token: 'a'.repeat(43), recovery_code: 'not a code' },
    ]) {
      expect((await verify(app, body as Record<string, string>)).status).toBe(422);
    }
    expect(app.proxy.calls.length).toBe(before);
  });

  test('a token dies with a credential change (here: a password set by the CLI path)', async () => {
    const u = await enrolledUser(app);
    const token = await firstFactor(app, u.username, u.password);
    await app.updateUser(u.username, { credentialVersion: 'changed-meanwhile' });
    await forgetLastStep(app, u.username);
    const reply = await verify(app, { mfa_token: token, code: codeAt(u.secret) });
    expect([reply.status, reply.body]).toEqual([401, { detail: 'Invalid or expired MFA token' }]);
  });
});

describe('the OAuth token endpoint', () => {
  test('password grant: 403 mfa_required; the MFA grant with otp gives the token response', async () => {
    const u = await enrolledUser(app);
    const first = await oauth({ grant_type: 'password', username: u.username, password: u.password });
    expect(first.status).toBe(403);
    expect(first.body).toEqual({
      error: 'mfa_required',
      error_description: 'Multi-factor authentication required',
      mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      mfa_methods: ['totp', 'recovery_code'],
      expires_in: 300,
    });
    // A cookie-route token is not redeemed here, nor this one there.
    const cookieToken = await firstFactor(app, u.username, u.password);
    await forgetLastStep(app, u.username);
    const crossed = await oauth({ grant_type: MFA_GRANT, mfa_token: cookieToken, otp: codeAt(u.secret) });
    expect([crossed.status, crossed.body.error]).toEqual([400, 'invalid_grant']);
    expect((await verify(app, { mfa_token: first.body.mfa_token, code: codeAt(u.secret) })).status).toBe(401);
    const done = await oauth({ grant_type: MFA_GRANT, mfa_token: first.body.mfa_token, otp: codeAt(u.secret) });
    expect(done.status).toBe(200);
    expect(done.body).toEqual(expect.objectContaining({ token_type: 'Bearer', refresh_token: expect.any(String) }));
    const bad = await oauth({ grant_type: MFA_GRANT, mfa_token: first.body.mfa_token });
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_request']);
  });

  test('the MFA grant with a recovery code', async () => {
    const u = await enrolledUser(app);
    const first = await oauth({ grant_type: 'password', username: u.username, password: u.password });
    const done = await oauth({
      grant_type: MFA_GRANT,
      mfa_token: first.body.mfa_token,
      recovery_code: u.recoveryCodes[0],
    });
    expect(done.status).toBe(200);
  });
});

describe('recovery codes and disabling', () => {
  test('regenerating replaces the set: old codes fail, new ones work', async () => {
    const u = await enrolledUser(app);
    const fresh = await post('/auth/mfa/recovery-codes', u.access);
    expect(fresh.status).toBe(200);
    expect(fresh.body.recovery_codes).toHaveLength(10);
    const old = await verify(app, {
      mfa_token: await firstFactor(app, u.username, u.password),
      recovery_code: u.recoveryCodes[1],
    });
    expect(old.status).toBe(401);
    const ok = await verify(app, {
      mfa_token: await firstFactor(app, u.username, u.password),
      recovery_code: fresh.body.recovery_codes[1],
    });
    expect(ok.status).toBe(200);
  });

  test('disable with a code turns MFA off and ends every other session; the password alone logs in again', async () => {
    const u = await enrolledUser(app);
    const other = await verify(app, {
      mfa_token: await firstFactor(app, u.username, u.password),
      recovery_code: u.recoveryCodes[2],
    });
    const wrong = await post('/auth/mfa/totp/disable', u.access, { code: '000000' });
    expect([wrong.status, wrong.body]).toEqual([401, { detail: 'Invalid code' }]);
    await forgetLastStep(app, u.username);
    const off = await post('/auth/mfa/totp/disable', u.access, { code: codeAt(u.secret) });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ message: 'TOTP disabled', revoked: expect.any(Number) });
    expect((await me(other.body.access_token)).status).toBe(401);
    expect((await me(u.access)).status).toBe(200);
    expect((await login(app.url, u.username, u.password)).reply.status).toBe(200);
    const status = await request(`${app.url}/auth/mfa`, 'GET', { bearer: u.access });
    expect(status.body).toEqual({ totp_enabled: false, totp_enabled_at: null, recovery_codes_left: 0, passkeys: 0 });
    expect((await post('/auth/mfa/totp/disable', u.access, { code: '123456' })).body).toEqual({
      detail: 'TOTP not enabled',
    });
  });

  test('disable with a recovery code', async () => {
    const u = await enrolledUser(app);
    const off = await post('/auth/mfa/totp/disable', u.access, { recovery_code: u.recoveryCodes[9] });
    expect(off.status).toBe(200);
  });

  test('a password reset never removes the second factor', async () => {
    const u = await enrolledUser(app);
    const email = `${u.username}@example.com`;
    await app.updateUser(u.username, { email });
    expect((await request(`${app.url}/auth/password/forgot`, 'POST', json({ username: u.username }))).status).toBe(202);
    const token = await lastLinkToken(email);
    const reset = await request(
      `${app.url}/auth/password/reset`,
      'POST',
      json({ token, new_password: 'reset passphrase 9' }),
    );
    expect(reset.status).toBe(200);
    // The new password is a first factor only: the login still asks for the code.
    const again = await request(
      `${app.url}/auth/token`,
      'POST',
      form({ username: u.username, password: 'reset passphrase 9' }),
    );
    expect([again.status, again.body.detail]).toEqual([403, 'MFA required']);
    expect((await app.store.getSecondFactorUser(u.username))?.recoveryCodes).toBeDefined();
  });
});

describe('store failures lose nothing', () => {
  test('the session write failing at the MFA step: 503, the token is put back, resubmitting works', async () => {
    const u = await enrolledUser(app);
    const token = await firstFactor(app, u.username, u.password);
    app.proxy.inject({ op: 'PutItem', mode: '5xx', times: 3 });
    const failed = await verify(app, { mfa_token: token, recovery_code: u.recoveryCodes[5] });
    app.proxy.restore();
    expect(failed.status).toBe(503);
    // The recovery code was put back too.
    expect(Object.keys((await app.store.getSecondFactorUser(u.username))!.recoveryCodes!)).toContain('5');
    const retried = await verify(app, { mfa_token: token, recovery_code: u.recoveryCodes[5] });
    expect(retried.status).toBe(200);
  });

  test('a failing confirm leaves TOTP pending', async () => {
    const username = await app.freshUser('mfa passphrase 7');
    const s = await login(app.url, username, 'mfa passphrase 7');
    const setup = await post('/auth/mfa/totp/setup', s.access);
    app.proxy.inject({ op: 'UpdateItem', mode: '5xx', nth: 2 });
    const failed = await post('/auth/mfa/totp/confirm', s.access, { code: codeAt(setup.body.secret) });
    app.proxy.restore();
    expect(failed.status).toBe(503);
    const user = await app.store.getSecondFactorUser(username);
    expect(user?.totpEnabledAt).toBeUndefined();
    expect(user?.totpPending).toBeDefined();
  });
});
