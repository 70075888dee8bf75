import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { LocalApi } from '../../dev/local';
import { freePort, launchChromium, startDevApi } from './chromium';

// Code passed to page.evaluate runs in the page, where these exist; the tsconfig has no DOM library.
declare const window: { call: (path: string, init?: object) => Promise<Reply>; pending?: Promise<Reply> };
declare const document: { cookie: string };

// The cookie flows in a real browser (Debian's chromium, driven by puppeteer-core): a small
// single-page front end on its own localhost origin calls the dev server with credentials, as a
// team's app on app.example.com would call api.example.com. Run by `npm run test:browser`
// (node's test runner: puppeteer-core is an ES module) and by .ci/run.

/** The front end: one page whose script calls the API the way an SPA does (fetch, credentials: include). */
function frontEnd(api: string): Server {
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>front end</title></head><body>
<script>
  const API = ${JSON.stringify(api)};
  window.call = async (path, { method = 'POST', body, bearer, base = API } = {}) => {
    const headers = {};
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (bearer) headers.authorization = 'Bearer ' + bearer;
    const res = await fetch(base + path, { method, body, headers, credentials: 'include' });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, retryAfter: res.headers.get('retry-after') };
  };
</script></body></html>`;
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
}

let api: LocalApi;
let browser: Browser;
let front: Server;
let frontUrl: string;
let apiUrl: string;
let stranger: Server;
let strangerUrl: string;

before(async () => {
  const [frontPort, strangerPort] = await Promise.all([freePort(), freePort()]);
  frontUrl = `http://localhost:${frontPort}`;
  // Another site altogether (127.0.0.1 is not localhost), and not listed: refused.
  strangerUrl = `http://127.0.0.1:${strangerPort}`;
  ({ api, apiUrl } = await startDevApi(frontUrl));
  front = frontEnd(apiUrl).listen(frontPort, '127.0.0.1');
  stranger = frontEnd(apiUrl).listen(strangerPort, '127.0.0.1');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  front?.close();
  stranger?.close();
  await api?.stop();
});

type Reply = { status: number; body: Record<string, unknown> | null; retryAfter: string | null };
const call = (
  page: Page,
  path: string,
  init: { method?: string; body?: string; bearer?: string; base?: string } = {},
) => page.evaluate((p, i) => window.call(p, i), path, init) as Promise<Reply>;
const login = (page: Page, username = 'johndoe', password = 'secret') =>
  call(page, '/auth/token', { body: `username=${username}&password=${password}` });

/**
 * A slow network on loopback: forwards every request to the API, but holds each one until `release()`.
 * Cookies are per host, not per port, so the browser sends this proxy the API's cookie.
 */
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
async function slowWire(target: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const received = new Promise<void>((r) => (arrived = r));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      arrived();
      await released;
      const forwarded = await fetch(target + req.url, {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !HOP_BY_HOP.has(k)),
        ) as Record<string, string>,
        body:
          req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' ? undefined : Buffer.concat(chunks),
      });
      const headers: Record<string, string | string[]> = {};
      forwarded.headers.forEach((v, k) => {
        if (k !== 'set-cookie' && k !== 'content-length' && k !== 'content-encoding') headers[k] = v;
      });
      const cookies = forwarded.headers.getSetCookie();
      if (cookies.length) headers['set-cookie'] = cookies;
      res.writeHead(forwarded.status, headers);
      res.end(Buffer.from(await forwarded.arrayBuffer()));
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://localhost:${port}`, received, release, close: () => server.close() };
}

async function openFront(url = frontUrl): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}

describe('a front end on another localhost origin, in Chromium', () => {
  test('login, /users/me, refresh, reload and refresh again, logout, then refresh is 401', async () => {
    const page = await openFront();
    const first = await login(page);
    assert.equal(first.status, 200);
    const me = await call(page, '/users/me', { method: 'GET', bearer: String(first.body!.access_token) });
    assert.equal(me.status, 200);
    assert.equal(me.body!.username, 'johndoe');
    // The HttpOnly cookie is invisible to script, but the browser stored it and sends it.
    assert.equal(await page.evaluate(() => document.cookie), '');
    assert.equal((await call(page, '/auth/refresh')).status, 200);
    await page.reload();
    const again = await call(page, '/auth/refresh');
    assert.equal(again.status, 200);
    assert.equal((await call(page, '/auth/logout')).status, 200);
    const ended = await call(page, '/auth/refresh');
    assert.equal(ended.status, 401);
    assert.deepEqual(ended.body, { detail: 'Invalid refresh token' });
    await page.close();
  });

  test('two tabs refreshing at once both get a token (the grace window), and the session lives on', async () => {
    const one = await openFront();
    assert.equal((await login(one)).status, 200);
    const two = await openFront();
    const [a, b] = await Promise.all([call(one, '/auth/refresh'), call(two, '/auth/refresh')]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    const next = await call(one, '/auth/refresh');
    assert.equal(next.status, 200);
    const sessions = await call(one, '/auth/sessions', { method: 'GET', bearer: String(next.body!.access_token) });
    assert.equal(sessions.status, 200);
    await call(one, '/auth/logout-all', { bearer: String(next.body!.access_token) });
    assert.equal((await call(two, '/auth/refresh')).status, 401);
    await Promise.all([one.close(), two.close()]);
  });

  test('a slow tab: its refresh held on the wire while another tab refreshes twice still gets a token', async () => {
    const a = await openFront();
    assert.equal((await login(a)).status, 200);
    const b = await openFront();
    const wire = await slowWire(apiUrl);
    try {
      // Tab B's refresh leaves with R0 in its cookie and is slow on the wire (a CORS-simple POST: no
      // preflight, so the held request is the refresh itself).
      await b.evaluate((base) => {
        window.pending = window.call('/auth/refresh', { base });
      }, wire.url);
      await wire.received;
      const held = Date.now();
      // Meanwhile tab A refreshes (R0 -> R1), reloads, and refreshes again (R1 -> R2).
      assert.equal((await call(a, '/auth/refresh')).status, 200);
      await a.reload();
      const second = await call(a, '/auth/refresh');
      assert.equal(second.status, 200);
      await new Promise((r) => setTimeout(r, Math.max(0, 1_500 - (Date.now() - held))));
      wire.release();
      // B's R0 arrives after R2 exists: a retry within R0's window, answered with the current token.
      const late = (await b.evaluate(() => window.pending)) as Reply;
      assert.equal(late.status, 200);
      // Nobody was logged out: both tabs go on refreshing, and the session is still listed.
      assert.equal((await call(b, '/auth/refresh')).status, 200);
      const after = await call(a, '/auth/refresh');
      assert.equal(after.status, 200);
      const sessions = await call(a, '/auth/sessions', { method: 'GET', bearer: String(after.body!.access_token) });
      assert.equal(sessions.status, 200);
      await call(a, '/auth/logout', {});
    } finally {
      wire.release();
      wire.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("the lockout's Retry-After is readable from script", async () => {
    const page = await openFront();
    let reply: Reply | undefined;
    for (let i = 0; i < 6; i++) reply = await login(page, 'alice', 'not-her-password');
    assert.equal(reply!.status, 429);
    assert.equal(reply!.retryAfter, '1');
    await page.close();
  });

  test('an unlisted origin cannot call the API with credentials: the browser refuses', async () => {
    const page = await openFront(strangerUrl);
    const error = await page.evaluate(() =>
      window.call('/auth/token', { body: 'username=johndoe&password=secret' }).then(
        () => 'answered',
        (e: Error) => e.name,
      ),
    );
    assert.equal(error, 'TypeError'); // a CORS failure: the page learns nothing
    await page.close();
  });

  test('/docs renders Swagger UI with every route of the API', async () => {
    const page = await browser.newPage();
    await page.goto(`${apiUrl}/docs`);
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    const shown = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
    const { routes } = await import('../../functions/routes');
    for (const route of routes) assert.ok(shown.includes(route.path), `${route.path} missing from /docs`);
    await page.close();
  });
});
