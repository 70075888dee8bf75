import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { Secret, TOTP } from 'otpauth';
import type { Browser, CDPSession, Page } from 'puppeteer-core';
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

/** A tab of the front end whose client refreshes `margin` s before expiry, started (it knows who is in). */
async function tab(margin = 55, query = ''): Promise<Page> {
  const page = await browser.newPage();
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
    const first = await tab();
    assert.equal((await call(first, 'login', username, PASSWORD)).ok, true);
    const others = await Promise.all([1, 2, 3, 4].map(() => tab()));
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
    await Promise.all(tabs.map((p) => p.close()));
  });
});
