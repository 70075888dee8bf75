import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, CDPSession, Page } from 'puppeteer-core';
import type { LocalApi } from '../../dev/local';
import { hashPassword } from '../../functions/core/passwords';
import { createDocumentClient } from '../../functions/store/client';
import { DynamoClientStore } from '../../functions/store/client-store';
import { DynamoStore } from '../../functions/store/dynamo-store';
import { addVirtualAuthenticator, freePort, launchChromium, startDevApi } from './chromium';

// The browser client (browser-client/, docs/browser-client.md) in Chromium against the dev server:
// tabs of a front end on its own localhost origin, each with the client made at load
// (browser-client/test/page.ts). Access tokens live 60 s (the least the API allows), and the pages
// refresh `margin` seconds before they expire, so a refresh comes within seconds.

type Outcome = { ok?: boolean; mfa?: boolean; status?: number; detail?: unknown; username?: string };
type PageApi = Record<string, (...args: unknown[]) => Promise<unknown>> & { changes: (string | null)[] };
declare const window: { page: PageApi };

const PASSWORD = 'browser client phrase';
const CLIENT_ID = 'browser-client-app';
let api: LocalApi;
let apiUrl: string;
let frontUrl: string;
let front: Server;
let browser: Browser;
let store: DynamoStore;
let users = 0;

/** The front end: the page (at `/` and `/callback`) and the client bundled from its sources. */
async function frontEnd(): Promise<Server> {
  const bundle = await build({
    entryPoints: ['browser-client/test/page.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  const script = bundle.outputFiles[0].text;
  const html = `<!doctype html><meta charset="utf-8"><title>browser client</title>
<script>const API = ${JSON.stringify(apiUrl)}; const CLIENT_ID = ${JSON.stringify(CLIENT_ID)};</script>
<script type="module" src="/client.js"></script>`;
  return createServer((req, res) => {
    const js = req.url === '/client.js';
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html; charset=utf-8' });
    res.end(js ? script : html);
  });
}

before(async () => {
  const frontPort = await freePort();
  frontUrl = `http://localhost:${frontPort}`;
  process.env.ACCESS_TOKEN_TTL_SECONDS = '60';
  const started = await startDevApi(frontUrl);
  api = started.api;
  apiUrl = started.apiUrl;
  const db = createDocumentClient({ DYNAMODB_ENDPOINT: api.endpoint });
  store = new DynamoStore(db, api.tableName);
  await new DynamoClientStore(db, api.tableName).putClient(
    {
      id: CLIENT_ID,
      type: 'public',
      name: 'Browser client app',
      redirectUris: [`${frontUrl}/callback`],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile'],
      defaultScopes: ['openid'],
      firstParty: true,
      source: 'cli',
      createdAt: Date.now(),
    },
    { overwrite: true },
  );
  front = (await frontEnd()).listen(frontPort, '127.0.0.1');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  front?.close();
  await api?.stop();
});

async function freshUser(): Promise<string> {
  const username = `browser-client-${++users}`;
  const passwordHash = await hashPassword(PASSWORD, 4);
  await store.putUser({ username, passwordHash, disabled: false, createdAt: Date.now() }, { overwrite: false });
  return username;
}

/**
 * A tab of the front end whose client refreshes `margin` s before expiry, started (it knows who is
 * in), in `context`: each test has a browser context of its own (its own cookie jar), as one user's
 * browser would be.
 */
async function tab(context: BrowserContext, margin = 55, query = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${frontUrl}/?margin=${margin}${query}`);
  await page.waitForFunction('window.page !== undefined');
  await page.evaluate('window.page.client.ready');
  return page;
}

const call = <T = Outcome>(page: Page, name: string, ...args: unknown[]) =>
  page.evaluate((n, a) => window.page[n](...a), name, args) as Promise<T>;
const tokenOf = (page: Page) => call<string | null>(page, 'token');

/** POST /auth/refresh requests sent by these tabs (preflights aside), counted from now. */
function countRefreshes(pages: Page[]): { count: () => number } {
  let n = 0;
  for (const page of pages)
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/auth/refresh')) n++;
    });
  return { count: () => n };
}

/** The tab's next refresh answer held back `ms` in the browser (the API has answered: delayed on the wire). */
async function holdNextRefresh(page: Page, ms: number): Promise<CDPSession> {
  const cdp = await page.createCDPSession();
  let held = false;
  cdp.on('Fetch.requestPaused', async ({ requestId }) => {
    const first = !held;
    held = true;
    if (first) await new Promise((r) => setTimeout(r, ms));
    await cdp.send('Fetch.continueResponse', { requestId }).catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*/auth/refresh', requestStage: 'Response' }] });
  return cdp;
}

/** Neither token is anywhere a script (or the address bar) can read besides the client's memory. */
async function assertTokenOnlyInMemory(page: Page): Promise<void> {
  const token = await tokenOf(page);
  assert.ok(token, 'the tab holds a token');
  for (const place of await call<string[]>(page, 'visible')) {
    assert.ok(!place.includes(token!), `the access token is visible: ${place.slice(0, 80)}`);
    assert.ok(!/refresh_token=|eyJ/.test(place), `a token is visible: ${place.slice(0, 80)}`);
  }
}

describe('the browser client in Chromium', () => {
  test('five tabs whose access tokens expire together send exactly one /auth/refresh, and all five go on', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const first = await tab(context);
    assert.equal((await call(first, 'login', username, PASSWORD)).ok, true);
    const others = await Promise.all([1, 2, 3, 4].map(() => tab(context)));
    const tabs = [first, ...others];
    const old = await tokenOf(first);
    // The others took the login's token from the first tab, with no request of their own.
    assert.deepEqual(await Promise.all(tabs.map(tokenOf)), Array(5).fill(old));
    const refreshes = countRefreshes(tabs);
    // 60 s tokens refreshed 55 s early: all five tabs' timers fire about 5 s after the login.
    for (const page of tabs)
      await page.waitForFunction(`window.page.token() !== ${JSON.stringify(old)}`, { timeout: 15_000, polling: 100 });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(refreshes.count(), 1);
    const now = await Promise.all(tabs.map(tokenOf));
    assert.equal(new Set(now).size, 1);
    assert.deepEqual(await Promise.all(tabs.map((p) => call(p, 'status', '/users/me'))), Array(5).fill(200));
    await context.close();
  });

  test('a refresh answer delayed on the wire while another tab needs a token: one refresh, no logout', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const [a, b] = [await tab(context), await tab(context)];
    assert.equal((await call(a, 'login', username, PASSWORD)).ok, true);
    await b.waitForFunction('window.page.token() !== null', { polling: 100 });
    const refreshes = countRefreshes([a, b]);
    const cdp = await holdNextRefresh(a, 3000);
    // Tab a's refresh reaches the API (which rotates the session) and its answer waits 3 s in the
    // browser; tab b needs a token meanwhile, and waits for a's answer rather than send its own.
    const [fromA, fromB] = await Promise.all([call(a, 'refresh'), call(b, 'refresh')]);
    assert.deepEqual([fromA.ok, fromB.ok], [true, true]);
    assert.equal(refreshes.count(), 1);
    assert.equal(await tokenOf(b), await tokenOf(a));
    assert.deepEqual([await call(a, 'status', '/users/me'), await call(b, 'status', '/users/me')], [200, 200]);
    await cdp.detach();
    await context.close();
  });

  test('a refresh answer lost on the wire: sent again inside the grace window, and the session goes on', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const page = await tab(context);
    assert.equal((await call(page, 'login', username, PASSWORD)).ok, true);
    const cdp = await page.createCDPSession();
    let failed = 0;
    cdp.on('Fetch.requestPaused', async ({ requestId }) => {
      // The first answer is lost after the API has rotated the session; the retry goes through.
      if (failed++ === 0) await cdp.send('Fetch.failRequest', { requestId, errorReason: 'ConnectionReset' });
      else await cdp.send('Fetch.continueResponse', { requestId });
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*/auth/refresh', requestStage: 'Response' }] });
    assert.equal((await call(page, 'refresh')).ok, true);
    assert.equal(failed, 2);
    assert.equal(await call(page, 'status', '/users/me'), 200);
    await cdp.detach();
    await context.close();
  });

  test('a logout in one tab ends the session in every tab within a second, and so does logout everywhere', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const tabs = [await tab(context), await tab(context), await tab(context)];
    for (const end of ['logout', 'logoutEverywhere']) {
      assert.equal((await call(tabs[0], 'login', username, PASSWORD)).ok, true);
      for (const page of tabs) await page.waitForFunction('window.page.token() !== null', { polling: 50 });
      const token = await tokenOf(tabs[1]);
      assert.equal((await call(tabs[1], end)).ok, true);
      const since = Date.now();
      for (const page of tabs)
        await page.waitForFunction('window.page.token() === null', { polling: 50, timeout: 1000 });
      assert.ok(Date.now() - since < 1000);
      const me = await fetch(`${apiUrl}/users/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 401, `${end} ended the session at the API`);
    }
    await context.close();
  });

  test('a reload during a refresh keeps the session; no token is in storage, cookies or the address', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const page = await tab(context);
    assert.equal((await call(page, 'login', username, PASSWORD)).ok, true);
    await assertTokenOnlyInMemory(page);
    const cdp = await holdNextRefresh(page, 60_000);
    void call(page, 'refresh').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300)); // the refresh is at the API; its answer never arrives
    await page.reload();
    await page.waitForFunction('window.page !== undefined');
    // The new page has no token in memory: it refreshes with the cookie the lost answer did not
    // replace, inside the grace window, and gets the same successor.
    await page.evaluate('window.page.client.ready');
    assert.ok(await tokenOf(page), 'signed in after the reload');
    assert.equal(await call(page, 'status', '/users/me'), 200);
    await assertTokenOnlyInMemory(page);
    await cdp.detach();
    await context.close();
  });

  test('a tab asleep for longer than the access token lives wakes up and goes on', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const [awake, asleep] = [await tab(context, 5), await tab(context, 5)];
    assert.equal((await call(awake, 'login', username, PASSWORD)).ok, true);
    await asleep.waitForFunction('window.page.token() !== null', { polling: 100 });
    const old = await tokenOf(asleep);
    const cdp = await asleep.createCDPSession();
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    // Past the token's 60 s: the awake tab refreshed meanwhile (the cookie rotated under the frozen one).
    await new Promise((r) => setTimeout(r, 65_000));
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    assert.equal(await call(asleep, 'status', '/users/me'), 200);
    assert.notEqual(await tokenOf(asleep), old);
    assert.equal(await call(awake, 'status', '/users/me'), 200);
    await cdp.detach();
    await context.close();
  });

  test('the MFA step through the client: the challenge, a wrong code, then the right one', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const secret = await enrolTotp(username);
    const page = await tab(context);
    assert.deepEqual(await call(page, 'login', username, PASSWORD), { mfa: true, methods: ['totp', 'recovery_code'] });
    assert.equal(await tokenOf(page), null);
    assert.deepEqual(await call(page, 'verify', '000000'), { ok: false, status: 401, detail: 'Invalid code' });
    // The code of the step after the one the enrolment used (the replay guard wants a later one).
    const code = TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + 30_000 });
    assert.deepEqual(await call(page, 'verify', code), { ok: true, username });
    assert.equal(await call(page, 'status', '/users/me'), 200);
    await context.close();
  });

  test('a passkey registered and then used to log in through the client (a virtual authenticator)', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const page = await tab(context);
    await addVirtualAuthenticator(page);
    assert.equal((await call(page, 'login', username, PASSWORD)).ok, true);
    assert.equal((await call(page, 'registerPasskey')).ok, true);
    assert.equal((await call(page, 'logout')).ok, true);
    assert.equal(await tokenOf(page), null);
    assert.deepEqual(await call(page, 'loginWithPasskey'), { ok: true, username });
    assert.equal(await call(page, 'status', '/users/me'), 200);
    await context.close();
  });

  test('a PKCE sign-in from a page on another origin; a second tab shares it; a refresh and a logout', async () => {
    const username = await freshUser();
    const context = await browser.createBrowserContext();
    const page = await tab(context, 55, '&mode=oauth');
    await Promise.all([page.waitForNavigation(), call(page, 'signIn')]);
    assert.ok(page.url().startsWith(`${apiUrl}/oauth2/authorize?`));
    await page.type('#username', username);
    await page.type('#password', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/oauth2/login/password"] button')]);
    assert.ok(page.url().startsWith(`${frontUrl}/callback`));
    await page.waitForFunction('window.page !== undefined');
    assert.deepEqual(await page.evaluate('window.page.callback'), { ok: true, username });
    // The code is out of the address bar, and no token is anywhere but memory.
    assert.equal(page.url(), `${frontUrl}/callback`);
    await assertTokenOnlyInMemory(page);
    assert.equal(await call(page, 'status', '/oauth2/userinfo'), 200);
    const second = await tab(context, 55, '&mode=oauth');
    assert.equal(await tokenOf(second), await tokenOf(page));
    // The second tab refreshes through /oauth2/token with the refresh token the first handed it.
    const before = await tokenOf(page);
    assert.equal((await call(second, 'refresh')).ok, true);
    await page.waitForFunction(`window.page.token() !== ${JSON.stringify(before)}`, { polling: 50, timeout: 2000 });
    assert.equal(await call(page, 'status', '/oauth2/userinfo'), 200);
    const token = await tokenOf(page);
    assert.equal((await call(page, 'logout')).ok, true);
    await second.waitForFunction('window.page.token() === null', { polling: 50, timeout: 1000 });
    const after = await fetch(`${apiUrl}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401);
    await context.close();
  });
});

/** TOTP turned on for `username` over HTTP, as an authenticator app would (otpauth): its secret. */
async function enrolTotp(username: string): Promise<string> {
  const post = (path: string, body: object, bearer?: string) =>
    fetch(apiUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
  const login = await post('/auth/token', { username, password: PASSWORD });
  const access = login.body.access_token;
  const setup = await post('/auth/mfa/totp/setup', {}, access);
  const code = TOTP.generate({ secret: Secret.fromBase32(setup.body.secret) });
  const confirm = await post('/auth/mfa/totp/confirm', { code }, access);
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
  return setup.body.secret;
}
