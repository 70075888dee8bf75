import * as client from 'openid-client';
import { startApp, type TestApp } from '../support/app';
import { BrowserAgent, paramsOf } from '../support/browser-agent';
import { request } from '../support/http';

// Dynamic client registration (RFC 7591; docs/authorization-server.md), as an MCP client does it with
// openid-client: register, then the code flow through the consent page every such client gets.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ DYNAMIC_CLIENT_REGISTRATION: 'true', DCR_IP_MAX_PER_HOUR: '4' });
  await app.addUser('olga', 'pw-olga', { email: 'olga@example.com' });
});
afterAll(() => app.close());

const register = (body: unknown) =>
  request(`${app.url}/oauth2/register`, 'POST', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('dynamicClientRegistration, then a code flow through consent ("unverified"), then userinfo', async () => {
  const config = await client.dynamicClientRegistration(
    new URL(app.url),
    { client_name: 'An MCP client', redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none' },
    client.None(),
    { execute: [client.allowInsecureRequests] },
  );
  const { client_id: id } = config.clientMetadata();
  expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(config.serverMetadata().registration_endpoint).toBe(`${app.url}/oauth2/register`);
  expect(await app.clients.getClient(id)).toMatchObject({ type: 'public', firstParty: false, source: 'dcr' });

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const redirect = 'http://127.0.0.1:49152/callback'; // the loopback port the client picked
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirect,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const browser = new BrowserAgent(app.url);
  const login = await browser.navigate(url.href);
  const consent = await browser.submit(login, '/oauth2/login/password', { username: 'olga', password: 'pw-olga' });
  expect(consent.status).toBe(200);
  expect(consent.text).toContain('An MCP client');
  expect(consent.text).toContain('unverified');
  expect(consent.text).toContain('127.0.0.1:49152');
  expect(consent.text).toContain('See your email address');
  const back = await browser.submit(consent, '/oauth2/consent', { decision: 'allow' });
  expect(back.status).toBe(303);
  const tokens = await client.authorizationCodeGrant(config, new URL(back.location!), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    idTokenExpected: true,
  });
  expect(await client.fetchUserInfo(config, tokens.access_token, 'olga')).toEqual({
    sub: 'olga',
    email: 'olga@example.com',
    email_verified: true,
  });
  // A third-party client: its token never acts on the account.
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: tokens.access_token })).status).toBe(403);

  // Deny: access_denied at the redirect URI, with state and iss; no code.
  const other = new BrowserAgent(app.url);
  const denyLogin = await other.navigate(url.href);
  const denyConsent = await other.submit(denyLogin, '/oauth2/login/password', {
    username: 'olga',
    password: 'pw-olga',
  });
  const denied = await other.submit(denyConsent, '/oauth2/consent', { decision: 'deny' });
  expect(paramsOf(denied.location)).toEqual({
    error: 'access_denied',
    error_description: 'the user declined',
    state,
    iss: app.url,
  });
});

test.each([
  [{ redirect_uris: ['http://evil.example/cb'] }, 'invalid_redirect_uri'],
  [{ redirect_uris: [] }, 'invalid_redirect_uri'],
  [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
  [
    { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'client_secret_basic' },
    'invalid_client_metadata',
  ],
  [{ redirect_uris: ['http://127.0.0.1/cb'], grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
  [{ redirect_uris: ['http://127.0.0.1/cb'], response_types: ['token'] }, 'invalid_client_metadata'],
  [{ redirect_uris: ['http://127.0.0.1/cb'], scope: 'openid admin' }, 'invalid_client_metadata'],
  [{ redirect_uris: ['http://127.0.0.1/cb'], client_name: 'x'.repeat(101) }, 'invalid_client_metadata'],
  [{ redirect_uris: ['http://127.0.0.1/cb'], software_statement: 'eyJ...' }, 'invalid_software_statement'],
  ['not an object', 'invalid_client_metadata'],
])('refuses %j with %s, writing nothing', async (body, error) => {
  const before = app.proxy.ops.filter((op) => /Put|Update/.test(op)).length;
  const reply = await register(body);
  expect([reply.status, reply.body.error]).toEqual([400, error]);
  expect(app.proxy.ops.filter((op) => /Put|Update/.test(op)).length).toBe(before);
});

test('the store failing: 503 temporarily_unavailable, no client written', async () => {
  app.proxy.inject({ op: 'PutItem', mode: '5xx' });
  const reply = await register({ redirect_uris: ['http://127.0.0.1/cb'], client_name: 'never stored' });
  app.proxy.restore();
  expect([reply.status, reply.body.error]).toEqual([503, 'temporarily_unavailable']);
});

test('a member it does not know is ignored and not echoed; past DCR_IP_MAX_PER_HOUR: 429 slow_down', async () => {
  const ok = await register({ redirect_uris: ['http://127.0.0.1/cb'], logo_uri: 'https://x.example/logo.png' });
  expect(ok.status).toBe(201);
  expect(ok.body).not.toHaveProperty('logo_uri');
  expect(ok.body.scope).toBe('openid profile email offline_access');
  let last = ok;
  for (let i = 0; i < 4 && last.status === 201; i++) last = await register({ redirect_uris: ['http://127.0.0.1/cb'] });
  expect([last.status, last.body.error]).toEqual([429, 'slow_down']);
  expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
});
