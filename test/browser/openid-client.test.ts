import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser } from 'puppeteer-core';
import type { LocalApi } from '../../dev/local';
import { freePort, launchChromium, startDevApi } from './chromium';

// openid-client v6 and a real browser together (docs/authorization-server.md): the library builds
// the authorization URL (PKCE, state, nonce), Chromium signs in on the hosted page, and the library
// redeems the callback it lands on (checking iss, state, nonce and the ID token), then reads userinfo.

let api: LocalApi;
let apiUrl: string;
let browser: Browser;
let app: Server;
let callbackBase: string;

before(async () => {
  const appPort = await freePort();
  // demo-app's loopback redirect URI (http://127.0.0.1/callback) takes any port.
  callbackBase = `http://127.0.0.1:${appPort}`;
  const started = await startDevApi(callbackBase);
  api = started.api;
  apiUrl = started.apiUrl;
  app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('signed in')).listen(
    appPort,
    '127.0.0.1',
  );
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  app?.close();
  await api?.stop();
});

test('openid-client builds the URL, Chromium signs in, openid-client redeems the code and reads userinfo', async () => {
  const config = await client.discovery(new URL(apiUrl), 'demo-app', undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: `${callbackBase}/callback`,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(url.href);
  await page.type('#username', 'johndoe');
  await page.type('#password', 'secret');
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/oauth2/login/password"] button')]);
  const landed = new URL(page.url());
  assert.equal(`${landed.origin}${landed.pathname}`, `${callbackBase}/callback`);

  const tokens = await client.authorizationCodeGrant(config, landed, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  assert.equal(tokens.claims()?.sub, 'johndoe');
  const info = await client.fetchUserInfo(config, tokens.access_token, 'johndoe');
  assert.equal(info.email, 'johndoe@example.com');
  assert.equal(info.name, 'John Doe');
  await context.close();
});
