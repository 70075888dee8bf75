import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, CDPSession, Page } from 'puppeteer-core';
import { exampleApp } from '../../dev/example-app';
import type { LocalApi } from '../../dev/local';
import { hashPassword } from '../../functions/core/passwords';
import { createDocumentClient } from '../../functions/store/client';
import { DynamoClientStore } from '../../functions/store/client-store';
import { DynamoStore } from '../../functions/store/dynamo-store';
import { addVirtualAuthenticator, freePort, launchChromium, startDevApi } from './chromium';

// The authorization server's hosted pages in Chromium (docs/authorization-server.md), driven through
// the sign-in example app (examples/sign-in/index.html, docs/sign-in-from-your-app.md) on its own
// origin: password, the TOTP step, a recovery code, a passkey (DevTools virtual authenticator),
// consent, SSO, prompt and max_age, an expired sign-in, a cross-site post, framing; and no Content
// Security Policy violation on any page (Chromium reports each on the console).

let api: LocalApi;
let apiUrl: string;
let browser: Browser;
let app: Server;
let appUrl: string;
let attacker: Server;
let attackerUrl: string;
let store: DynamoStore;
let db: ReturnType<typeof createDocumentClient>;
let users = 0;
const violations: string[] = [];
const PASSWORD = 'browser sign-in phrase';
let attackerPage = '';

before(async () => {
  const [appPort, attackerPort] = await Promise.all([freePort(), freePort()]);
  // 127.0.0.1 with any port is demo-app's registered loopback redirect URI (…/callback).
  appUrl = `http://127.0.0.1:${appPort}`;
  attackerUrl = `http://127.0.0.1:${attackerPort}`;
  const started = await startDevApi(appUrl);
  api = started.api;
  apiUrl = started.apiUrl; // http://localhost:<port>: the hosted pages are under the RP ID `localhost`
  db = createDocumentClient({ DYNAMODB_ENDPOINT: api.endpoint });
  store = new DynamoStore(db, api.tableName);
  await new DynamoClientStore(db, api.tableName).putClient(
    {
      id: 'partner',
      type: 'public',
      name: 'Partner App',
      redirectUris: ['http://127.0.0.1/callback'],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email'],
      defaultScopes: ['openid'],
      firstParty: false,
      source: 'cli',
      createdAt: Date.now(),
    },
    { overwrite: true },
  );
  app = exampleApp().listen(appPort, '127.0.0.1');
  attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage)).listen(
    attackerPort,
    '127.0.0.1',
  );
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  app?.close();
  attacker?.close();
  await api?.stop();
  assert.deepEqual(violations, [], 'no page may break its Content Security Policy');
});

async function freshUser(): Promise<string> {
  const username = `browser-az-${++users}`;
  await store.putUser(
    { username, passwordHash: await hashPassword(PASSWORD, 4), disabled: false, createdAt: Date.now() },
    { overwrite: false },
  );
  return username;
}

/** A browser profile of its own (cookies, storage), its CSP reports collected. */
async function tab(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  // Our pages' own reports (a page that frames ours logs the refusal of the frame: that one is expected).
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text()) && page.url().startsWith(apiUrl))
      violations.push(`${page.url()}: ${message.text()}`);
  });
  return { context, page };
}

const status = (page: Page) => page.$eval('#status', (e) => e.textContent ?? '');
async function waitForStatus(page: Page, text: RegExp) {
  // A string predicate: it runs in the page (whose DOM this file's types do not describe).
  await page.waitForFunction(`${text}.test(document.getElementById('status')?.textContent ?? '')`);
  return status(page);
}

/** From the example app to the hosted page (whatever it shows first); `extra` goes to the app's URL. */
async function startSignIn(page: Page, extra: Record<string, string> = {}) {
  const query = new URLSearchParams({ api: apiUrl, client_id: 'demo-app', ...extra });
  await page.goto(`${appUrl}/?${query}`);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
}

async function submitPassword(page: Page, username: string, password = PASSWORD) {
  await page.type('#username', username);
  await page.type('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/oauth2/login/password"] button')]);
}

async function enableTotp(username: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const login = await fetch(`${apiUrl}/auth/token`, {
    method: 'POST',
    headers: form,
    body: `username=${username}&password=${encodeURIComponent(PASSWORD)}`,
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
  const setup = (await (await fetch(`${apiUrl}/auth/mfa/totp/setup`, { method: 'POST', headers: auth })).json()) as {
    secret: string;
  };
  const code = TOTP.generate({ secret: Secret.fromBase32(setup.secret) });
  const confirm = await fetch(`${apiUrl}/auth/mfa/totp/confirm`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ code }),
  });
  const body = (await confirm.json()) as { recovery_codes: string[] };
  assert.equal(confirm.status, 200, JSON.stringify(body));
  // The next code may be the one just used (the replay guard): start the test from a clean step.
  await db.send(
    new UpdateCommand({
      TableName: api.tableName,
      Key: { pk: `USER#${username}`, sk: 'PROFILE' },
      UpdateExpression: 'SET totpLastStep = :z',
      ExpressionAttributeValues: { ':z': 0 },
    }),
  );
  return { secret: setup.secret, recoveryCodes: body.recovery_codes };
}

describe('the hosted pages in Chromium, through the sign-in example app', () => {
  test('password login; SSO skips the form next time; prompt=login and max_age=0 show it again', async () => {
    const { context, page } = await tab();
    const username = await freshUser();
    await startSignIn(page);
    assert.equal(new URL(page.url()).pathname, '/oauth2/authorize');
    await submitPassword(page, username);
    assert.equal(await waitForStatus(page, /^Signed in as/), `Signed in as ${username}`);
    // The code left the address bar at once.
    assert.equal(new URL(page.url()).search, '');

    await startSignIn(page); // SSO: straight back, no form
    assert.equal(await waitForStatus(page, /^Signed in as/), `Signed in as ${username}`);
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
      await startSignIn(page, extra);
      assert.ok(await page.$('#password'), `${JSON.stringify(extra)}: the form again`);
    }
    await context.close();
  });

  test('prompt=none both ways: login_required without SSO, a code with it', async () => {
    const { context, page } = await tab();
    const username = await freshUser();
    await startSignIn(page, { prompt: 'none' });
    assert.equal(await waitForStatus(page, /^Not signed in/), 'Not signed in: login_required');
    await startSignIn(page);
    await submitPassword(page, username);
    await waitForStatus(page, /^Signed in as/);
    await startSignIn(page, { prompt: 'none' });
    assert.equal(await waitForStatus(page, /^Signed in as/), `Signed in as ${username}`);
    await context.close();
  });

  test('the TOTP step, and a recovery code instead', async () => {
    const username = await freshUser();
    const { secret, recoveryCodes } = await enableTotp(username);
    for (const proof of ['code', 'recovery_code'] as const) {
      const { context, page } = await tab();
      await startSignIn(page);
      await submitPassword(page, username);
      assert.ok(await page.$('#code'), 'the code page');
      const value = proof === 'code' ? TOTP.generate({ secret: Secret.fromBase32(secret) }) : recoveryCodes[0];
      await page.type(`#${proof}`, value);
      await Promise.all([page.waitForNavigation(), page.click('form[action$="/oauth2/login/mfa"] button')]);
      assert.equal(await waitForStatus(page, /^Signed in as/), `Signed in as ${username}`);
      await context.close();
    }
  });

  test('consent for a third-party client: allow gives a code, deny access_denied', async () => {
    const username = await freshUser();
    for (const decision of ['allow', 'deny'] as const) {
      const { context, page } = await tab();
      // The example app as the partner's (same redirect URI).
      await startSignIn(page, { client_id: 'partner' });
      await submitPassword(page, username);
      const text = await page.$eval('main', (m) => m.textContent ?? '');
      assert.match(text, /Partner App/);
      assert.match(text, /127\.0\.0\.1:\d+/);
      await Promise.all([page.waitForNavigation(), page.click(`#${decision}`)]);
      if (decision === 'deny')
        assert.equal(await waitForStatus(page, /^Not signed in/), 'Not signed in: access_denied');
      else assert.equal(await waitForStatus(page, /^Signed in as/), `Signed in as ${username}`);
      await context.close();
    }
  });

  test('an expired sign-in is a 400 page, never a redirect', async () => {
    const { context, page } = await tab();
    const username = await freshUser();
    await startSignIn(page);
    const authz = await page.$eval('input[name="authz"]', (i) => (i as unknown as { value: string }).value);
    await db.send(
      new UpdateCommand({
        TableName: api.tableName,
        Key: { pk: `AUTHZ#${authz}`, sk: 'AUTHZ' },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    const response = await (async () => {
      await page.type('#username', username);
      await page.type('#password', PASSWORD);
      const [r] = await Promise.all([
        page.waitForNavigation(),
        page.click('form[action$="/oauth2/login/password"] button'),
      ]);
      return r;
    })();
    assert.equal(response?.status(), 400);
    assert.match(await page.$eval('#error', (e) => e.textContent ?? ''), /expired/);
    assert.equal(new URL(page.url()).origin, new URL(apiUrl).origin);
    await context.close();
  });

  test('a form posted from another site is refused (403), and the pages refuse to be framed', async () => {
    const { context, page } = await tab();
    const username = await freshUser();
    // The attacker starts a sign-in in their own browser and posts its form from their site, in the victim's.
    const own = await tab();
    await startSignIn(own.page);
    const authz = await own.page.$eval('input[name="authz"]', (i) => (i as unknown as { value: string }).value);
    await own.context.close();
    attackerPage =
      `<form id="f" method="post" action="${apiUrl}/oauth2/login/password">` +
      `<input name="authz" value="${authz}"><input name="username" value="${username}">` +
      `<input name="password" value="${PASSWORD}"></form><script>document.getElementById('f').submit()</script>`;
    const posted = page.waitForResponse((r) => r.url() === `${apiUrl}/oauth2/login/password`);
    await page.goto(attackerUrl);
    assert.equal((await posted).status(), 403);

    const framed: string[] = [];
    page.on('console', (m) => framed.push(m.text()));
    attackerPage = `<iframe src="${apiUrl}/oauth2/logout"></iframe>`;
    await page.goto(attackerUrl);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(
      framed.some((t) => /frame-ancestors|X-Frame-Options/.test(t)),
      framed.join('\n'),
    );
    assert.notEqual(page.frames()[1]?.url(), `${apiUrl}/oauth2/logout`); // the frame shows Chromium's error page
    await context.close();
  });
});

describe('passkeys on the hosted page (DevTools virtual authenticator)', () => {
  /** A tab with a platform authenticator, user verification as asked. */
  async function withAuthenticator(
    uv = true,
  ): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; id: string }> {
    const { context, page } = await tab();
    const { cdp, id } = await addVirtualAuthenticator(page, uv);
    return { context, page, cdp, id };
  }

  /** Registers a passkey for `username` from a page on the API's own origin (under the RP ID). */
  async function register(page: Page, username: string) {
    const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
    const library = readFileSync(join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
    await page.goto(`${apiUrl}/`);
    await page.addScriptTag({ content: library });
    const status = await page.evaluate(
      async (name, password) => {
        const form = { 'content-type': 'application/x-www-form-urlencoded' };
        const login = (await (
          await fetch('/auth/token', {
            method: 'POST',
            headers: form,
            body: `username=${name}&password=${encodeURIComponent(password)}`,
          })
        ).json()) as { access_token: string };
        const bearer = { authorization: `Bearer ${login.access_token}`, 'content-type': 'application/json' };
        const options = (await (
          await fetch('/auth/passkeys/register/options', { method: 'POST', headers: bearer })
        ).json()) as { options: object };
        // The UMD bundle's global, in the page (this file's types do not describe the page's window).
        const page = globalThis as unknown as {
          SimpleWebAuthnBrowser: { startRegistration(o: object): Promise<unknown> };
        };
        const credential = await page.SimpleWebAuthnBrowser.startRegistration({
          optionsJSON: options.options,
        });
        return (
          await fetch('/auth/passkeys/register/verify', {
            method: 'POST',
            headers: bearer,
            body: JSON.stringify({ credential }),
          })
        ).status;
      },
      username,
      PASSWORD,
    );
    assert.equal(status, 201);
  }

  test('the button signs in with a passkey (verified: no TOTP step); a conditional request waits', async () => {
    const a = await withAuthenticator();
    const username = await freshUser();
    await register(a.page, username);
    // Record every credentials.get the page makes; hold the conditional ones (no autofill chosen), so the
    // button is what signs in.
    // (A string: it runs in the page, whose DOM this file's types do not describe.)
    await a.page.evaluateOnNewDocument(`
      window.__mediations = [];
      const get = navigator.credentials.get.bind(navigator.credentials);
      navigator.credentials.get = (options) => {
        window.__mediations.push(String(options && options.mediation));
        if (options && options.mediation === 'conditional') return new Promise(() => undefined);
        return get(options);
      };
    `);
    await startSignIn(a.page);
    await a.page.waitForFunction(`window.__mediations.includes('conditional')`);
    await a.page.waitForSelector('#passkey:not([hidden])');
    await Promise.all([a.page.waitForNavigation(), a.page.click('#passkey')]);
    assert.equal(await waitForStatus(a.page, /^Signed in as/), `Signed in as ${username}`);
    await a.context.close();
  });

  test('autofill: the conditional request answered at page load signs in', async () => {
    const a = await withAuthenticator();
    const username = await freshUser();
    await register(a.page, username);
    await startSignIn(a.page); // the page's conditional request is answered by the authenticator
    assert.equal(await waitForStatus(a.page, /^Signed in as/), `Signed in as ${username}`);
    await a.context.close();
  });

  test('a passkey without user verification, of a user with TOTP: the code page', async () => {
    // An authenticator that cannot verify its user (a security key without a PIN).
    const a = await withAuthenticator(false);
    const username = await freshUser();
    await register(a.page, username);
    const { secret } = await enableTotp(username);
    await startSignIn(a.page);
    await a.page.waitForSelector('#passkey:not([hidden])');
    await a.page.type('#username', username); // the button then names the user's passkeys
    await a.page.click('#passkey');
    await a.page.waitForSelector('#code');
    await a.page.type('#code', TOTP.generate({ secret: Secret.fromBase32(secret) }));
    await Promise.all([a.page.waitForNavigation(), a.page.click('form[action$="/oauth2/login/mfa"] button')]);
    assert.equal(await waitForStatus(a.page, /^Signed in as/), `Signed in as ${username}`);
    await a.context.close();
  });

  test('a counter set back in the table: the hosted login is refused and the passkey marked', async () => {
    const a = await withAuthenticator();
    const username = await freshUser();
    await register(a.page, username);
    const { credentials } = await a.cdp.send('WebAuthn.getCredentials', { authenticatorId: a.id });
    const id = Buffer.from(credentials[0].credentialId, 'base64').toString('base64url');
    // The table remembers a counter beyond the authenticator's: what a cloned authenticator's use looks like.
    await db.send(
      new UpdateCommand({
        TableName: api.tableName,
        Key: { pk: `PASSKEY#${id}`, sk: 'PASSKEY' },
        UpdateExpression: 'SET #c = :high',
        ExpressionAttributeNames: { '#c': 'counter' },
        ExpressionAttributeValues: { ':high': 1000 },
      }),
    );
    const refused = a.page.waitForResponse((r) => r.url() === `${apiUrl}/oauth2/login/passkey`);
    await startSignIn(a.page); // the conditional request is answered at once, and refused
    const response = await refused;
    assert.equal(response.status(), 401);
    assert.match(await response.text(), /The passkey sign-in failed/);
    const stored = await store.getPasskey(id);
    assert.ok(stored?.cloneSuspectedAt, 'the passkey is marked');
    await a.context.close();
  });
});
