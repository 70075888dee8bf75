import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { hashPassword } from '../../functions/core/passwords';
import { counterKey, throttleKey } from '../../functions/store/schema';
import type { TestApp } from './app';
import { REDIRECT, authorizeUrl, codeOf, pkce, putClient } from './authorization';
import { BrowserAgent, type PageReply } from './browser-agent';
import { request } from './http';
import { codeAt, enrolledUser, forgetLastStep } from './mfa';
import { FRONT_END, registerPasskey } from './passkeys';
import { assert } from './soft-authenticator';

/**
 * Every way the authorization server's routes touch the table (for test/integration/table-access.test.ts):
 * authorize with and without SSO, each hosted login (with its places, lock, stale counts, rehash and
 * the session cap, as /auth/token's flows do), consent, two logins racing for one pending authorization
 * (the loser deletes its code), code redemption and its replay, userinfo, logout. The app's session
 * cap is 2, LOGIN_MAX_FAILURES 5, CLIENT_CACHE_SECONDS 0 (each function reads the client it needs).
 */
type Touch = <T>(method: string, path: string, send: () => Promise<T>) => Promise<T>;

export async function authorizationFlows(app: TestApp, touch: Touch): Promise<void> {
  const expectStatus = (reply: PageReply, status: number, what: string) => {
    if (reply.status !== status)
      throw new Error(`${what}: ${reply.status} ${reply.location ?? reply.text.slice(0, 300)}`);
    return reply;
  };
  await putClient(app, { id: 'partner-flows', firstParty: false });
  const open = async (browser: BrowserAgent, clientId = 'demo-app') => {
    const { verifier, challenge } = pkce();
    const page = await touch('GET', '/oauth2/authorize', () =>
      browser.navigate(authorizeUrl(app, challenge, { client_id: clientId })),
    );
    return { page, verifier };
  };
  const password = (browser: BrowserAgent, page: PageReply, username: string, pw = 'pw') =>
    touch('POST', '/oauth2/login/password', () =>
      browser.submit(page, '/oauth2/login/password', { username, password: pw }),
    );
  const logIn = async (username: string) => {
    const browser = new BrowserAgent(app.url);
    const { page, verifier } = await open(browser);
    return { browser, verifier, back: expectStatus(await password(browser, page, username), 303, 'hosted login') };
  };

  // Hosted password logins: a success, five failures (the lock), stale counts, a rehash, the cap.
  const [ann, bob, cara, dan] = ['ann', 'bob', 'cara', 'dan'].map((n) => `${n}-hosted`);
  for (const name of [ann, bob, cara]) await app.addUser(name, 'pw');
  const first = await logIn(ann);
  for (let i = 0; i < 5; i++) {
    const browser = new BrowserAgent(app.url);
    await password(browser, (await open(browser)).page, bob, 'wrong');
  }
  const stale = { failures: 3, lockedUntil: 0, windowStart: 0, expiresAt: Math.floor(Date.now() / 1000) - 10 };
  for (const key of [throttleKey({ kind: 'user', username: cara }), throttleKey({ kind: 'ip', ip: '127.0.0.1' })])
    await app.db.send(new PutCommand({ TableName: app.tableName, Item: { ...key, ...stale } }));
  await logIn(cara);
  await app.store.putUser(
    { username: dan, passwordHash: await hashPassword('pw', 5), disabled: false, createdAt: Date.now() },
    { overwrite: true },
  );
  for (let i = 0; i < 3; i++) await logIn(dan);

  // SSO: the next authorization from ann's browser is a code at once.
  const sso = await open(first.browser);
  expectStatus(sso.page, 303, 'sso');
  // Consent for a third-party client (the user recorded on the pending authorization), allowed.
  const partner = await open(first.browser, 'partner-flows');
  expectStatus(partner.page, 200, 'consent page');
  await touch('POST', '/oauth2/consent', () =>
    first.browser.submit(partner.page, '/oauth2/consent', { decision: 'allow' }),
  );
  // Two consents racing for one pending authorization: the loser deletes the code it made.
  {
    const { page } = await open(first.browser, 'partner-flows');
    await Promise.all(
      [0, 1].map(() =>
        touch('POST', '/oauth2/consent', () => first.browser.submit(page, '/oauth2/consent', { decision: 'allow' })),
      ),
    );
  }

  // A password login for a third-party client: the user recorded on the pending authorization, then consent.
  {
    const browser = new BrowserAgent(app.url);
    const { page } = await open(browser, 'partner-flows');
    expectStatus(await password(browser, page, ann), 200, 'consent after login');
  }
  // Two password logins racing for one pending authorization: the loser deletes the code it made.
  {
    const browser = new BrowserAgent(app.url);
    const { page } = await open(browser);
    await Promise.all([password(browser, page, ann), password(browser, page, ann)]);
  }
  // The code: redeemed (read, marked, the user read, a session), then replayed (its session ended).
  const redeem = () =>
    touch('POST', '/oauth2/token', () =>
      request(`${app.url}/oauth2/token`, 'POST', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'demo-app',
          redirect_uri: REDIRECT,
          code: codeOf(first.back),
          code_verifier: first.verifier,
        }).toString(),
      }),
    );
  const tokens = await redeem();
  await touch('GET', '/oauth2/userinfo', () =>
    request(`${app.url}/oauth2/userinfo`, 'GET', { bearer: tokens.body.access_token }),
  );
  await touch('POST', '/oauth2/userinfo', () =>
    request(`${app.url}/oauth2/userinfo`, 'POST', { bearer: tokens.body.access_token }),
  );
  await redeem();

  // The MFA page: a user with TOTP; two code pages for one pending authorization, one redeemed with
  // a code and one with a recovery code at once (the loser deletes its code); a wrong code first.
  const enrolled = await enrolledUser(app);
  // A passkey of this user, registered while the session that enabled TOTP still lives (the cap is 2).
  const withTotp = await registerPasskey(app, enrolled.access);
  await forgetLastStep(app, enrolled.username);
  {
    const browser = new BrowserAgent(app.url);
    const { page } = await open(browser);
    const one = await password(browser, page, enrolled.username, enrolled.password);
    const two = await password(browser, page, enrolled.username, enrolled.password);
    const mfa = (reply: PageReply, fields: Record<string, string>) =>
      touch('POST', '/oauth2/login/mfa', () => browser.submit(reply, '/oauth2/login/mfa', fields));
    await mfa(one, { code: '000000' });
    // An expired IP count (read again and replaced); the SSO session's write failing (the MFA step is
    // put back: a 503 page, and the same form then works).
    app.proxy.inject({ op: 'PutItem', mode: '5xx', times: 2 });
    expectStatus(await mfa(one, { recovery_code: enrolled.recoveryCodes[1] }), 503, 'mfa, store failing');
    app.proxy.restore();
    for (const key of [
      throttleKey({ kind: 'ip', ip: '127.0.0.1' }),
      throttleKey({ kind: 'user', username: enrolled.username }),
    ])
      await app.db.send(new PutCommand({ TableName: app.tableName, Item: { ...key, ...stale } }));
    await Promise.all([
      mfa(one, { code: codeAt(enrolled.secret) }),
      mfa(two, { recovery_code: enrolled.recoveryCodes[0] }),
    ]);
  }

  // The code page for a third-party client: the user recorded, then the consent page.
  {
    await forgetLastStep(app, enrolled.username);
    const browser = new BrowserAgent(app.url);
    const { page } = await open(browser, 'partner-flows');
    const codes = await password(browser, page, enrolled.username, enrolled.password);
    const consent = await touch('POST', '/oauth2/login/mfa', () =>
      browser.submit(codes, '/oauth2/login/mfa', { code: codeAt(enrolled.secret) }),
    );
    expectStatus(consent, 200, 'consent after the code page');
  }

  // The passkey button: two passkeys of one user racing for one pending authorization (after an expired
  // IP count); a third-party client's consent after a passkey; a passkey without user verification of a
  // user with TOTP (the code page).
  await app.addUser('pam-hosted', 'pw');
  const pam = await request(`${app.url}/auth/token`, 'POST', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=pam-hosted&password=pw',
  });
  const keys = [await registerPasskey(app, pam.body.access_token), await registerPasskey(app, pam.body.access_token)];
  const assertion = async (credential: (typeof keys)[number]['credential'], uv = true) => {
    const opts = await request(`${app.url}/auth/passkeys/login/options`, 'POST', {
      headers: { 'content-type': 'application/json', origin: FRONT_END },
      body: '{}',
    });
    return JSON.stringify(assert(credential, opts.body.options.challenge, { origin: FRONT_END, uv }));
  };
  const passkey = (browser: BrowserAgent, page: PageReply, credential: string) =>
    touch('POST', '/oauth2/login/passkey', () => browser.submit(page, '/oauth2/login/passkey', { credential }));
  {
    const browser = new BrowserAgent(app.url);
    const { page } = await open(browser);
    const [a, b] = [await assertion(keys[0].credential), await assertion(keys[1].credential)];
    await app.db.send(
      new PutCommand({ TableName: app.tableName, Item: { ...throttleKey({ kind: 'ip', ip: '127.0.0.1' }), ...stale } }),
    );
    await Promise.all([passkey(browser, page, a), passkey(browser, page, b)]);
  }
  {
    const browser = new BrowserAgent(app.url);
    const { page } = await open(browser, 'partner-flows');
    expectStatus(await passkey(browser, page, await assertion(keys[0].credential)), 200, 'consent after a passkey');
  }
  {
    const browser = new BrowserAgent(app.url);
    const { page } = await open(browser);
    const codes = await passkey(browser, page, await assertion(withTotp.credential, false));
    if (!codes.text.includes('name="mfa_token"')) throw new Error('a passkey without UV should ask for the code');
  }

  // Dynamic registration: an expired hourly count (read again and replaced), then the client.
  await app.db.send(
    new PutCommand({
      TableName: app.tableName,
      Item: { ...counterKey({ kind: 'ip', ip: '127.0.0.1', scope: 'client_registration' }), ...stale },
    }),
  );
  const registered = await touch('POST', '/oauth2/register', () =>
    request(`${app.url}/oauth2/register`, 'POST', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'] }),
    }),
  );
  if (registered.status !== 201) throw new Error(`register: ${registered.status}`);

  // Logout: the SSO session read and ended; the client read for its post-logout URI.
  const last = await logIn(cara); // a live SSO session (ann's first is long evicted by the cap of 2)
  const out = await touch('GET', '/oauth2/logout', () =>
    last.browser.navigate(
      `${app.url}/oauth2/logout?client_id=demo-app&post_logout_redirect_uri=http://localhost:3000/`,
    ),
  );
  expectStatus(out, 303, 'logout');
}
