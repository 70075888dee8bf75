import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { throttleKey } from '../../functions/store/schema';
import type { TestApp } from './app';
import { form, login, refreshCookieOf, request, type Reply } from './http';
import { codeAt, forgetLastStep, json } from './mfa';

/**
 * Every way the MFA routes, and the MFA step of both login routes, touch the table (for
 * test/integration/table-access.test.ts): each request goes through `touch`, which files the store
 * calls it made under its route. The app's session cap is 2 and LOGIN_MAX_FAILURES 5.
 */
type Touch = <T>(method: string, path: string, send: () => Promise<T>) => Promise<T>;

const MFA_GRANT = 'urn:serverless-auth-api:params:oauth:grant-type:mfa';

export async function mfaFlows(app: TestApp, touch: Touch): Promise<void> {
  const call = (method: string, path: string, options: Parameters<typeof request>[2] = {}): Promise<Reply> =>
    touch(method, path, () => request(`${app.url}${path}`, method, options));
  const expectStatus = (reply: Reply, status: number, what: string) => {
    if (reply.status !== status) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply;
  };
  // Expired counts still in the table (TTL deletes lazily): read again and replaced by the next place.
  const staleCounts = async (username: string) => {
    const stale = { failures: 3, lockedUntil: 0, windowStart: 0, expiresAt: Math.floor(Date.now() / 1000) - 10 };
    for (const key of [throttleKey({ kind: 'user', username }), throttleKey({ kind: 'ip', ip: '127.0.0.1' })])
      await app.db.send(new PutCommand({ TableName: app.tableName, Item: { ...key, ...stale } }));
  };

  // Enabling TOTP, with a second session for the confirm to tidy away; status; new recovery codes.
  await app.addUser('mia', 'pw');
  const mia = await login(app.url, 'mia', 'pw');
  await login(app.url, 'mia', 'pw');
  const bearer = mia.access;
  expectStatus(await call('GET', '/auth/mfa', { bearer }), 200, 'status');
  const { secret } = expectStatus(await call('POST', '/auth/mfa/totp/setup', { bearer }), 200, 'setup').body;
  const confirm = { bearer, ...json({ code: codeAt(secret) }) };
  expectStatus(await call('POST', '/auth/mfa/totp/confirm', confirm), 200, 'confirm');
  const codes: string[] = expectStatus(await call('POST', '/auth/mfa/recovery-codes', { bearer }), 200, 'regenerate')
    .body.recovery_codes;

  // The first factor on the cookie route (the pending step is put), the code at /auth/mfa/verify:
  // five wrong codes (the fifth place locks by compare-and-set), stale counts replaced by a sixth, a
  // session whose write fails (the step put back), then two that start sessions (the second evicts one).
  const firstFactor = async () =>
    expectStatus(await call('POST', '/auth/token', form({ username: 'mia', password: 'pw' })), 403, 'first factor').body
      .mfa_token as string;
  const verify = (fields: Record<string, string>) => call('POST', '/auth/mfa/verify', json(fields));
  let token = await firstFactor();
  for (let i = 0; i < 5; i++) await verify({ mfa_token: token, code: '000000' });
  await staleCounts('mia');
  expectStatus(await verify({ mfa_token: token, code: '000000' }), 401, 'verify, stale counts replaced');
  app.proxy.inject({ op: 'PutItem', mode: '5xx', times: 3 });
  expectStatus(await verify({ mfa_token: token, recovery_code: codes[0] }), 503, 'verify, store failing');
  app.proxy.restore();
  expectStatus(await verify({ mfa_token: token, recovery_code: codes[0] }), 200, 'verify, recovery code');
  await forgetLastStep(app, 'mia');
  token = await firstFactor();
  // The session the disabling below uses (the cap has evicted the one that enabled TOTP by then).
  const latest = expectStatus(await verify({ mfa_token: token, code: codeAt(secret) }), 200, 'verify, code').body;

  // The same on the OAuth token endpoint: the password grant puts the step, the MFA grant redeems it.
  const oauth = (fields: Record<string, string>) =>
    touch('POST', '/oauth2/token', () => request(`${app.url}/oauth2/token`, 'POST', form(fields)));
  const grant = expectStatus(await oauth({ grant_type: 'password', username: 'mia', password: 'pw' }), 403, 'grant');
  await forgetLastStep(app, 'mia');
  const redeemed = await oauth({ grant_type: MFA_GRANT, mfa_token: grant.body.mfa_token, otp: codeAt(secret) });
  expectStatus(redeemed, 200, 'MFA grant');

  // Disabling: five wrong codes lock (compare-and-set), stale counts replaced, the right code turns
  // TOTP off (the count deleted) and tidies the other sessions.
  const disable = (code: string) =>
    call('POST', '/auth/mfa/totp/disable', { bearer: latest.access_token, ...json({ code }) });
  for (let i = 0; i < 5; i++) await disable('000000');
  await staleCounts('mia');
  await forgetLastStep(app, 'mia');
  const off = await disable(codeAt(secret));
  expectStatus(off, 200, 'disable');
  if (!refreshCookieOf(off)) throw new Error('disable: no new refresh cookie');
}
