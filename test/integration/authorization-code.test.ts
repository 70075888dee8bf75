import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { startApp, type TestApp } from '../support/app';
import { BrowserAgent, paramsOf } from '../support/browser-agent';
import { request } from '../support/http';
import { codeAt, enrolledUser, forgetLastStep } from '../support/mfa';

// The authorization code flow end to end as openid-client runs it (discovery, PKCE, state, nonce,
// the code grant with its ID token, refresh, userinfo, revocation), with the hosted pages driven by a
// plain-HTTP browser (test/browser/ drives Chromium through the same pages).

let app: TestApp;
let config: client.Configuration;
const REDIRECT = 'http://localhost:3000/callback';
beforeAll(async () => {
  app = await startApp();
  await app.addUser('olga', 'pw-olga', { email: 'olga@example.com', fullName: 'Olga K', emailVerified: true });
  config = await client.discovery(new URL(app.url), 'demo-app', undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
});
afterAll(() => app.close());

/** openid-client's authorization URL with a fresh verifier, state and nonce. */
async function start(extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Through the login page with a password: the 303 back to the client. */
async function signIn(browser: BrowserAgent, url: URL, username = 'olga', password = 'pw-olga') {
  const page = await browser.navigate(url.href);
  if (page.status !== 200) throw new Error(`${page.status} ${page.location} ${page.text.slice(0, 500)}`);
  return browser.submit(page, '/oauth2/login/password', { username, password });
}

describe('with openid-client', () => {
  test('discovery, the login page, the code grant with an ID token, userinfo, refresh, revocation', async () => {
    const browser = new BrowserAgent(app.url);
    const { url, verifier, state, nonce } = await start();
    const back = await signIn(browser, url);
    expect(back.status).toBe(303);
    expect(paramsOf(back.location)).toMatchObject({ state, iss: app.url, code: expect.any(String) });
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location!), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.scope).toBe('openid profile email');
    expect(tokens.claims()).toMatchObject({ sub: 'olga', aud: 'demo-app', nonce, amr: ['pwd'] });
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: 'olga',
      client_id: 'demo-app',
      scope: 'openid profile email',
    });
    const info = await client.fetchUserInfo(config, tokens.access_token, 'olga');
    expect(info).toEqual({
      sub: 'olga',
      name: 'Olga K',
      preferred_username: 'olga',
      email: 'olga@example.com',
      email_verified: true,
    });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: 'olga', aud: 'demo-app', auth_time: tokens.claims()!.auth_time });
    expect(refreshed.claims()).not.toHaveProperty('nonce');
    await client.tokenRevocation(config, refreshed.refresh_token!);
    expect((await request(`${app.url}/oauth2/userinfo`, 'GET', { bearer: refreshed.access_token })).status).toBe(401);
  });

  test('SSO: the next authorization from the same browser gets a code without a form', async () => {
    const browser = new BrowserAgent(app.url);
    await signIn(browser, (await start()).url);
    const again = await start();
    const direct = await browser.navigate(again.url.href);
    expect(direct.status).toBe(303);
    const tokens = await client.authorizationCodeGrant(config, new URL(direct.location!), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      expectedNonce: again.nonce,
      idTokenExpected: true,
    });
    expect(tokens.claims()?.sub).toBe('olga');
  });

  test('buildEndSessionUrl: SSO ends, and the browser goes to the registered URI with its state', async () => {
    const browser = new BrowserAgent(app.url);
    await signIn(browser, (await start()).url);
    const end = client.buildEndSessionUrl(config, {
      client_id: 'demo-app',
      post_logout_redirect_uri: 'http://localhost:3000/',
      state: 'bye',
    });
    const ssoSid = browser.jar.get('sso')!.split('.')[0];
    expect(await app.session(ssoSid)).toMatchObject({ kind: 'sso' });
    // Listed with the user's sessions, and ended like any of them.
    const { access_token } = (
      await request(`${app.url}/oauth2/token`, 'POST', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=olga&password=pw-olga',
      })
    ).body;
    const listed = (await request(`${app.url}/auth/sessions`, 'GET', { bearer: access_token })).body.sessions;
    expect(listed).toContainEqual(expect.objectContaining({ id: ssoSid, kind: 'sso', client_id: 'demo-app' }));
    const out = await browser.navigate(end.href);
    expect(await app.session(ssoSid)).toBeUndefined(); // ended on the server, not only forgotten by the browser
    expect([out.status, out.location]).toEqual([303, 'http://localhost:3000/?state=bye']);
    const next = await browser.navigate((await start()).url.href);
    expect(next.status).toBe(200); // the login page: no SSO any more
  });

  test("the password grant's mfa_required, read from the ResponseBodyError's cause, then the MFA grant", async () => {
    const { username, password, secret } = await enrolledUser(app);
    await forgetLastStep(app, username);
    const web = await client.discovery(new URL(app.url), 'web', undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    const refused = await client.genericGrantRequest(web, 'password', { username, password }).catch((e) => e);
    expect(refused).toBeInstanceOf(client.ResponseBodyError);
    expect(refused).toMatchObject({ error: 'mfa_required', status: 403 });
    const mfaToken = (refused.cause as { mfa_token: string }).mfa_token;
    const tokens = await client.genericGrantRequest(web, 'urn:serverless-auth-api:params:oauth:grant-type:mfa', {
      mfa_token: mfaToken,
      otp: codeAt(secret),
    });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: username, client_id: 'web' });
  });
});
