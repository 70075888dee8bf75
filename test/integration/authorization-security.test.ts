import { decodeJwt } from 'jose';
import { clientProblems, redirectUriMatches } from '../../functions/core/clients';
import { BUILT_IN_SCOPES } from '../../functions/core/scopes';
import { startApp, type TestApp } from '../support/app';
import {
  PAGE_HEADERS,
  REDIRECT,
  authorizeUrl,
  codeOf,
  pkce,
  putClient,
  redeem,
  signIn,
} from '../support/authorization';
import { BrowserAgent, paramsOf } from '../support/browser-agent';
import { request } from '../support/http';

// The contract's twelve security requirements of the authorization server (RFC 9700), one describe
// each, every test written to fail without its rule (docs/authorization-server.md "Security requirements").

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOW_SIGNUP: 'true' });
  await app.addUser('olga', 'pw-olga', { email: 'olga@example.com' });
  await putClient(app, { id: 'partner', name: 'Partner <b>App</b>', firstParty: false, redirectUris: [REDIRECT] });
  await putClient(app, { id: 'registered-itself', source: 'dcr', firstParty: false });
  await putClient(app, {
    id: 'loopback',
    redirectUris: ['http://127.0.0.1/callback'],
    postLogoutRedirectUris: ['http://127.0.0.1/bye'],
  });
});
afterAll(() => app.close());

const writes = () => app.proxy.ops.filter((op) => /Put|Update|Delete|BatchWrite/.test(op)).length;
const navigate = (url: string) => new BrowserAgent(app.url).navigate(url);

describe('1. exact redirect matching; a free port for loopback only; no other http', () => {
  test.each([
    ['a trailing slash', `${REDIRECT}/`],
    ['another path', 'http://localhost:3000/other'],
    ['another port on a registered port', 'http://localhost:4000/callback'],
    ['a query added', `${REDIRECT}?x=1`],
    ['case changed', 'http://LOCALHOST:3000/callback'],
  ])('%s is a 400 page, never a redirect', async (_label, redirect) => {
    const reply = await navigate(authorizeUrl(app, pkce().challenge, { redirect_uri: redirect }));
    expect([reply.status, reply.location]).toEqual([400, undefined]);
  });

  test('a loopback URI registered without a port matches any port', async () => {
    const reply = await navigate(
      authorizeUrl(app, pkce().challenge, { client_id: 'loopback', redirect_uri: 'http://127.0.0.1:51234/callback' }),
    );
    expect(reply.status).toBe(200);
    expect(redirectUriMatches(['https://app.example/cb'], 'https://app.example:8443/cb')).toBe(false);
  });

  test('registration refuses http on a non-loopback host, javascript:, data:, fragments', () => {
    const base = {
      id: 'x',
      type: 'public' as const,
      name: 'x',
      grantTypes: [],
      scopes: [],
      defaultScopes: [],
      firstParty: true,
    };
    for (const uri of [
      'http://app.example/cb',
      'javascript:alert(1)',
      'data:text/html,x',
      'https://a.example/cb#f',
      'myapp:/cb',
    ])
      expect(clientProblems({ ...base, redirectUris: [uri] }, BUILT_IN_SCOPES)).not.toEqual([]);
    for (const uri of ['https://a.example/cb', 'http://[::1]/cb', 'com.example.app:/cb'])
      expect(clientProblems({ ...base, redirectUris: [uri] }, BUILT_IN_SCOPES)).toEqual([]);
  });
});

describe('2. PKCE S256 on every code', () => {
  test.each([
    ['no challenge', { code_challenge: '' }],
    ['a short challenge', { code_challenge: 'abc' }],
    ['method plain', { code_challenge_method: 'plain' }],
    ['no method', { code_challenge_method: '' }],
  ])('%s: invalid_request at the redirect URI, no page, nothing written', async (_label, extra) => {
    const before = writes();
    const reply = await navigate(authorizeUrl(app, pkce().challenge, extra));
    expect(reply.status).toBe(303);
    expect(paramsOf(reply.location)).toMatchObject({ error: 'invalid_request', state: 'st', iss: app.url });
    expect(writes()).toBe(before);
  });

  test('no redemption without the verifier or with a wrong one; the code stays usable for the right one', async () => {
    const { back, verifier } = await signIn(app);
    const code = codeOf(back);
    expect((await redeem(app, { code })).body.error).toBe('invalid_request');
    expect((await redeem(app, { code, code_verifier: pkce().verifier })).body.error).toBe('invalid_grant');
    const good = await redeem(app, { code, code_verifier: verifier });
    expect(good.status).toBe(200);
  });
});

describe('3. no implicit or hybrid flow, no token in a URL', () => {
  test.each(['token', 'code id_token', 'id_token', 'code token'])(
    'response_type=%s is unsupported_response_type',
    async (type) => {
      const reply = await navigate(authorizeUrl(app, pkce().challenge, { response_type: type }));
      expect(paramsOf(reply.location)).toMatchObject({ error: 'unsupported_response_type', iss: app.url });
    },
  );

  test('the success redirect carries code, state and iss, and nothing else', async () => {
    const { back } = await signIn(app);
    expect(Object.keys(paramsOf(back.location)).sort()).toEqual(['code', 'iss', 'state']);
  });
});

describe('4. the password grant for first-party clients only; third-party tokens cannot manage the account', () => {
  test('a third-party client cannot be given the password or our URN grants', () => {
    const partner = {
      id: 'p',
      type: 'public' as const,
      name: 'p',
      redirectUris: [REDIRECT],
      scopes: [],
      defaultScopes: [],
      firstParty: false,
    };
    expect(clientProblems({ ...partner, grantTypes: ['password'] }, BUILT_IN_SCOPES)).toContain(
      'password is for first-party clients only',
    );
  });

  test("a third-party client's token: 403 on /users/me and the /auth/ Bearer routes, 200 at userinfo", async () => {
    const browser = new BrowserAgent(app.url);
    const { verifier, challenge } = pkce();
    const page = await browser.navigate(authorizeUrl(app, challenge, { client_id: 'partner' }));
    const consent = await browser.submit(page, '/oauth2/login/password', { username: 'olga', password: 'pw-olga' });
    const back = await browser.submit(consent, '/oauth2/consent', { decision: 'allow' });
    const tokens = await redeem(app, { client_id: 'partner', code: codeOf(back), code_verifier: verifier });
    const bearer = tokens.body.access_token;
    for (const path of ['/users/me', '/auth/sessions', '/auth/passkeys', '/auth/mfa'])
      expect([path, (await request(`${app.url}${path}`, 'GET', { bearer })).status]).toEqual([path, 403]);
    expect((await request(`${app.url}/users/me`, 'GET', { bearer })).body).toEqual({
      detail: 'Not allowed for this client',
    });
    expect((await request(`${app.url}/oauth2/userinfo`, 'GET', { bearer })).body).toEqual({ sub: 'olga' });
  });
});

describe('5. code injection: bound to client and verifier, single use, a replay revokes', () => {
  test('another client cannot redeem the code', async () => {
    const { back, verifier } = await signIn(app);
    const stolen = await redeem(app, { client_id: 'loopback', code: codeOf(back), code_verifier: verifier });
    expect(stolen.body.error).toBe('invalid_grant');
    expect((await redeem(app, { code: codeOf(back), code_verifier: verifier })).status).toBe(200);
  });

  test('a second redemption is invalid_grant and ends the session the first started', async () => {
    const { back, verifier } = await signIn(app);
    const first = await redeem(app, { code: codeOf(back), code_verifier: verifier });
    const sid = decodeJwt(first.body.access_token).sid as string;
    expect(await app.session(sid)).toBeDefined();
    const second = await redeem(app, { code: codeOf(back), code_verifier: verifier });
    expect(second.body.error).toBe('invalid_grant');
    expect(await app.session(sid)).toBeUndefined();
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: first.body.access_token })).status).toBe(401);
  });

  test('concurrent redemptions: exactly one wins', async () => {
    const { back, verifier } = await signIn(app);
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => redeem(app, { code: codeOf(back), code_verifier: verifier })),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
  });

  test('an expired code (60 s) is invalid_grant', async () => {
    const { back, verifier } = await signIn(app);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(codeOf(back)).digest('base64url');
    await app.db.send(
      new (await import('@aws-sdk/lib-dynamodb')).UpdateCommand({
        TableName: app.tableName,
        Key: { pk: `CODE#${hash}`, sk: 'CODE' },
        UpdateExpression: 'SET codeExpiresAt = :past',
        ExpressionAttributeValues: { ':past': Date.now() - 1 },
      }),
    );
    expect((await redeem(app, { code: codeOf(back), code_verifier: verifier })).body.error).toBe('invalid_grant');
  });
});

describe('6. mix-up: iss in every authorization response', () => {
  test('success, error, login_required and access_denied all carry iss', async () => {
    const { back } = await signIn(app);
    expect(paramsOf(back.location).iss).toBe(app.url);
    const none = await navigate(authorizeUrl(app, pkce().challenge, { prompt: 'none' }));
    expect(paramsOf(none.location)).toMatchObject({ error: 'login_required', iss: app.url });
    const scope = await navigate(authorizeUrl(app, pkce().challenge, { scope: 'nope' }));
    expect(paramsOf(scope.location)).toMatchObject({ error: 'invalid_scope', iss: app.url });
  });
});

describe('7. open redirects', () => {
  test.each([
    ['no client_id', { client_id: '' }],
    ['an unknown client', { client_id: 'nobody' }],
    ['no redirect_uri', { redirect_uri: '' }],
    ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }],
    ['client_id twice', { client_id: 'demo-app&client_id=partner' }],
  ])('%s: a 400 page, not a redirect', async (_label, extra) => {
    const url = authorizeUrl(app, pkce().challenge, extra).replace('%26client_id%3D', '&client_id=');
    const reply = await navigate(url);
    expect([reply.status, reply.location]).toEqual([400, undefined]);
  });

  test("a dynamically registered client's errors are shown, not sent to its redirect URI", async () => {
    const reply = await navigate(
      authorizeUrl(app, pkce().challenge, { client_id: 'registered-itself', response_type: 'token' }),
    );
    expect([reply.status, reply.location]).toEqual([400, undefined]);
    expect(reply.text).toContain('localhost:3000');
  });

  test('logout redirects only to a URI registered for the named client', async () => {
    const out = await navigate(
      `${app.url}/oauth2/logout?client_id=loopback&post_logout_redirect_uri=https://evil.example/`,
    );
    expect([out.status, out.location]).toEqual([200, undefined]);
    const unnamed = await navigate(`${app.url}/oauth2/logout?post_logout_redirect_uri=http://127.0.0.1/bye`);
    expect(unnamed.status).toBe(200);
    const named = await navigate(
      `${app.url}/oauth2/logout?client_id=loopback&post_logout_redirect_uri=http://127.0.0.1/bye`,
    );
    expect([named.status, named.location]).toEqual([303, 'http://127.0.0.1/bye?']);
  });
});

describe('8. clickjacking: every page refuses framing', () => {
  test('login, code, consent, error and signed-out pages all carry the headers and the CSP', async () => {
    const browser = new BrowserAgent(app.url);
    const login = await browser.navigate(authorizeUrl(app, pkce().challenge, { client_id: 'partner' }));
    const consent = await browser.submit(login, '/oauth2/login/password', { username: 'olga', password: 'pw-olga' });
    const error = await navigate(authorizeUrl(app, pkce().challenge, { client_id: 'nobody' }));
    const out = await navigate(`${app.url}/oauth2/logout`);
    for (const page of [login, consent, error, out]) {
      for (const [name, value] of Object.entries(PAGE_HEADERS))
        expect([name, page.headers.get(name)]).toEqual([name, value]);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*';/);
      expect(csp).not.toContain('unsafe-inline');
    }
    expect(consent.text).toContain('Partner &lt;b&gt;App&lt;/b&gt;'); // escaped
    expect(consent.headers.get('content-security-policy')).toContain("form-action 'self' http://localhost:3000");
  });
});

describe('9. CSRF and login CSRF on the pages', () => {
  test.each([
    ['no Origin', { origin: '' }],
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['a listed front-end origin is not enough', { origin: 'http://localhost:3000' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Origin null from another site', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ['Origin null with no Sec-Fetch-Site', { origin: 'null', 'sec-fetch-site': '' }],
  ])('%s: a 403 page, no session', async (_label, headers) => {
    const browser = new BrowserAgent(app.url);
    const page = await browser.navigate(authorizeUrl(app, pkce().challenge));
    const sessions = (await app.sessionsOf('olga')).length;
    const reply = await browser.submit(
      page,
      '/oauth2/login/password',
      { username: 'olga', password: 'pw-olga' },
      headers,
    );
    expect([reply.status, reply.location]).toEqual([403, undefined]);
    expect((await app.sessionsOf('olga')).length).toBe(sessions);
  });

  test("a sign-in started in the attacker's browser is useless in the victim's (the authz binding)", async () => {
    const attacker = new BrowserAgent(app.url);
    const page = await attacker.navigate(authorizeUrl(app, pkce().challenge));
    const victim = new BrowserAgent(app.url);
    const reply = await victim.submit(page, '/oauth2/login/password', { username: 'olga', password: 'pw-olga' });
    expect(reply.status).toBe(403);
    expect(reply.text).toContain('another browser');
  });
});

describe('10. 303 after POST; no CORS at authorize; no referrer', () => {
  test('a fetch (Origin, or Sec-Fetch-Mode: cors) gets a 403 page', async () => {
    const browser = new BrowserAgent(app.url);
    const url = authorizeUrl(app, pkce().challenge);
    expect((await browser.navigate(url, { origin: 'https://evil.example' })).status).toBe(403);
    const cors = await browser.navigate(url, { 'sec-fetch-mode': 'cors' });
    expect(cors.status).toBe(403);
    expect(cors.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('every redirect is a 303 with no referrer', async () => {
    const { back } = await signIn(app);
    expect(back.status).toBe(303);
    expect(back.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('11. refresh tokens rotate with reuse detection; confidential clients authenticate', () => {
  test("a code session's rotated refresh token, replayed, ends the session", async () => {
    const { back, verifier } = await signIn(app);
    const first = await redeem(app, { code: codeOf(back), code_verifier: verifier });
    const refresh = (token: string) =>
      request(`${app.url}/oauth2/token`, 'POST', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&client_id=demo-app&refresh_token=${token}`,
      });
    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    const sid = decodeJwt(first.body.access_token).sid as string;
    await app.updateSession(sid, { rotatedAt: Date.now() - 3_600_000 }); // past the grace window
    expect((await refresh(first.body.refresh_token)).body.error).toBe('invalid_grant');
    expect(await app.session(sid)).toBeUndefined();
  });

  test("a confidential client's code and refresh need its secret", async () => {
    const secret = await putClient(app, { id: 'backend', type: 'confidential' });
    const browser = new BrowserAgent(app.url);
    const { verifier, challenge } = pkce();
    const page = await browser.navigate(authorizeUrl(app, challenge, { client_id: 'backend' }));
    const back = await browser.submit(page, '/oauth2/login/password', { username: 'olga', password: 'pw-olga' });
    const without = await redeem(app, { client_id: 'backend', code: codeOf(back), code_verifier: verifier });
    expect([without.status, without.body.error]).toEqual([401, 'invalid_client']);
    const basic = { authorization: `Basic ${Buffer.from(`backend:${secret}`).toString('base64')}` };
    const tokens = await redeem(app, { client_id: 'backend', code: codeOf(back), code_verifier: verifier }, basic);
    expect(tokens.status).toBe(200);
    const refresh = `grant_type=refresh_token&client_id=backend&refresh_token=${tokens.body.refresh_token}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await request(`${app.url}/oauth2/token`, 'POST', { headers: form, body: refresh })).status).toBe(401);
    expect(
      (await request(`${app.url}/oauth2/token`, 'POST', { headers: { ...form, ...basic }, body: refresh })).status,
    ).toBe(200);
  });
});

describe('12. client secrets hashed and compared in constant time; a machine sub is never a user', () => {
  test('the stored client holds only a hash of its secret', async () => {
    const secret = await putClient(app, { id: 'hashed', type: 'confidential', grantTypes: ['client_credentials'] });
    const stored = JSON.stringify(await app.clients.getClient('hashed'));
    expect(stored).not.toContain(secret);
    expect(stored).toMatch(/"hash":"[A-Za-z0-9_-]{43}"/);
  });

  test('sign-up refuses the id of a client allowed client_credentials (their tokens would share sub)', async () => {
    const signUp = (username: string) =>
      request(`${app.url}/auth/signup`, 'POST', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'a long enough passphrase', email: `${username}@example.com` }),
      });
    expect((await signUp('demo-service')).status).toBe(409);
    expect(await app.store.getUser('demo-service')).toBeUndefined();
    expect((await signUp('demo-app')).status).toBe(201); // a public client has no tokens of its own
  });
});
