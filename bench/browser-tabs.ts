/**
 * `npm run bench:tabs [-- --seconds 240]`: an app open in five tabs for an hour, in Chromium against
 * the dev server, with the browser client (browser-client/) and with a naive client side by side:
 * how many refresh requests each sends, and whether any tab was signed out. Time is scaled 15 to 1:
 * access tokens live 60 s instead of 900 (the default 15 minutes), both clients refresh 4 s early
 * instead of 60, so 240 s of the run are an hour of the app's. The naive client is what teams write
 * by hand: each tab keeps its token, refreshes on its own timer and when it starts.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'puppeteer-core';
import { hashPassword } from '../functions/core/passwords';
import { createDocumentClient } from '../functions/store/client';
import { DynamoStore } from '../functions/store/dynamo-store';
import { freePort, launchChromium, startDevApi } from '../test/browser/chromium';

const { values } = parseArgs({ options: { seconds: { type: 'string' } } });
const SCALE = 15;
const seconds = Number(values.seconds ?? 3600 / SCALE);
const MARGIN = 60 / SCALE;
const TABS = 5;
const PASSWORD = 'bench tabs phrase';

/** The naive client of one tab: its own token, its own timer, a refresh when the tab starts. */
const naive = (api: string) => `
  const API = ${JSON.stringify(api)};
  window.signedOut = 0;
  async function refresh() {
    const r = await fetch(API + '/auth/refresh', { method: 'POST', credentials: 'include' });
    if (!r.ok) { window.signedOut++; return; }
    take(await r.json());
  }
  function take(b) {
    window.token = b.access_token;
    setTimeout(refresh, b.expires_in * 1000 - ${MARGIN * 1000});
  }
  window.login = async (username, password) => {
    const body = new URLSearchParams({ username, password });
    const r = await fetch(API + '/auth/token', { method: 'POST', credentials: 'include', body });
    take(await r.json());
  };
  if (new URL(location.href).searchParams.get('start') === '1') refresh();`;

async function main() {
  const frontPort = await freePort();
  const frontUrl = `http://localhost:${frontPort}`;
  process.env.ACCESS_TOKEN_TTL_SECONDS = '60';
  const { api, apiUrl } = await startDevApi(frontUrl);
  const store = new DynamoStore(createDocumentClient({ DYNAMODB_ENDPOINT: api.endpoint }), api.tableName);
  const bundle = await build({
    entryPoints: ['browser-client/test/page.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const front = createServer((req, res) => {
    const url = new URL(req.url ?? '/', frontUrl);
    if (url.pathname === '/client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.outputFiles[0].text);
      return;
    }
    const body =
      url.pathname === '/naive'
        ? `<script>${naive(apiUrl)}</script>`
        : `<script>const API = ${JSON.stringify(apiUrl)}; const CLIENT_ID = '';</script>` +
          '<script type="module" src="/client.js"></script>';
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><meta charset="utf-8">${body}`);
  }).listen(frontPort, '127.0.0.1');
  const browser = await launchChromium();

  /** Five tabs of one kind in a browser of their own, signed in by the first: refreshes sent and sign-outs. */
  async function run(kind: 'client' | 'naive') {
    const username = `bench-tabs-${kind}`;
    await store.putUser(
      { username, passwordHash: await hashPassword(PASSWORD, 4), disabled: false, createdAt: Date.now() },
      { overwrite: true },
    );
    const context: BrowserContext = await browser.createBrowserContext();
    let refreshes = 0;
    const open = async (start: boolean): Promise<Page> => {
      const page = await context.newPage();
      page.on('request', (r) => {
        if (r.method() === 'POST' && r.url().endsWith('/auth/refresh')) refreshes++;
      });
      await page.goto(kind === 'naive' ? `${frontUrl}/naive?start=${start ? 1 : 0}` : `${frontUrl}/?margin=${MARGIN}`);
      if (kind === 'client')
        await page.waitForFunction('window.page !== undefined').then(() => page.evaluate('window.page.client.ready'));
      return page;
    };
    const first = await open(false);
    await first.evaluate(
      kind === 'naive'
        ? `window.login(${JSON.stringify(username)}, ${JSON.stringify(PASSWORD)})`
        : `window.page.login(${JSON.stringify(username)}, ${JSON.stringify(PASSWORD)})`,
    );
    const rest = await Promise.all(Array.from({ length: TABS - 1 }, () => open(true)));
    const tabs = [first, ...rest];
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const signedOut =
      kind === 'naive'
        ? (await Promise.all(tabs.map((p) => p.evaluate('window.signedOut') as Promise<number>))).reduce(
            (a, b) => a + b,
          )
        : (await Promise.all(tabs.map((p) => p.evaluate('window.page.token() === null') as Promise<boolean>))).filter(
            Boolean,
          ).length;
    await context.close();
    return { refreshes, perHour: Math.round((refreshes * 3600) / (seconds * SCALE)), signedOut };
  }

  const minutes = (seconds * SCALE) / 60;
  process.stderr.write(
    `five tabs each of the browser client and a naive client, ${seconds} s (${minutes} minutes)...\n`,
  );
  const [client, naiveRun] = await Promise.all([run('client'), run('naive')]);
  console.log(`five tabs for ${minutes} minutes of the app (15-minute access tokens, refreshed 1 minute early):`);
  for (const [name, r] of [
    ['browser client', client],
    ['naive client', naiveRun],
  ] as const)
    console.log(`  ${name}: ${r.refreshes} refresh requests (${r.perHour} per hour), tabs signed out: ${r.signedOut}`);
  await browser.close();
  front.close();
  await api.stop();
}

main().catch((err) => {
  console.error(`bench:tabs failed: ${err.stack ?? err}`);
  process.exit(1);
});
