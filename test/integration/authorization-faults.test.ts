import { decodeJwt } from 'jose';
import { startApp, type TestApp } from '../support/app';
import { REDIRECT, authorizeUrl, codeOf, pkce, putClient, redeem } from '../support/authorization';
import { BrowserAgent, type PageReply, paramsOf } from '../support/browser-agent';

// The authorization server with the store failing at each write (docs/authorization-server.md "Store
// failures"): a page answers 503 and redirects nowhere, and sending the same form again works (the
// pending authorization is used up only once its code exists); the token endpoint answers
// temporarily_unavailable, and a code marked used whose session could not be written is unmarked.
// Then bad input on every parameter: a 400 page or the RFC's error, and nothing written.

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
  await app.addUser('olga', 'pw-olga');
  await putClient(app, { id: 'partner-faults', firstParty: false });
});
afterAll(() => {
  app.proxy.restore();
  return app.close();
});

/** The nth call of `op` from now fails, and its one SDK retry too (DYNAMODB_MAX_ATTEMPTS is 2). */
const failing = (op: string, nth = 1) => app.proxy.inject({ op, mode: '5xx', nth, times: 2 });
const writes = () => app.proxy.ops.filter((op) => /Put|Update|Delete|BatchWrite/.test(op)).length;

async function loginPage(browser: BrowserAgent, clientId = 'demo-app') {
  const { verifier, challenge } = pkce();
  const page = await browser.navigate(authorizeUrl(app, challenge, { client_id: clientId }));
  if (page.status !== 200) throw new Error(`authorize: ${page.status}`);
  return { page, verifier };
}
const signIn = (browser: BrowserAgent, page: PageReply) =>
  browser.submit(page, '/oauth2/login/password', { username: 'olga', password: 'pw-olga' });
const expectOutage = (reply: PageReply) => {
  expect([reply.status, reply.location]).toEqual([503, undefined]);
  expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
};

describe('store failures on the pages', () => {
  test('authorize: the pending authorization not written is a 503 page; the next navigation works', async () => {
    failing('PutItem');
    expectOutage(await new BrowserAgent(app.url).navigate(authorizeUrl(app, pkce().challenge)));
    app.proxy.restore();
    expect((await new BrowserAgent(app.url).navigate(authorizeUrl(app, pkce().challenge))).status).toBe(200);
  });

  test.each([
    ['the SSO session', 'PutItem', 1],
    ['the code', 'PutItem', 2],
    // The first DeleteItem is the login's success resetting the username's failure count.
    ['using up the pending authorization', 'DeleteItem', 2],
  ] as const)(
    'login: %s not written is a 503 page; the same form again gives a code that works',
    async (_l, op, nth) => {
      const browser = new BrowserAgent(app.url);
      const { page, verifier } = await loginPage(browser);
      failing(op, nth);
      expectOutage(await signIn(browser, page));
      app.proxy.restore();
      const again = await signIn(browser, page);
      expect(again.status).toBe(303);
      expect((await redeem(app, { code: codeOf(again), code_verifier: verifier })).status).toBe(200);
    },
  );

  test.each([
    ['the code', 'PutItem'],
    ['using up the pending authorization', 'DeleteItem'],
  ] as const)('consent: %s not written is a 503 page; allowing again works', async (_l, op) => {
    const browser = new BrowserAgent(app.url);
    const { page, verifier } = await loginPage(browser, 'partner-faults');
    const consent = await signIn(browser, page);
    expect(consent.status).toBe(200);
    failing(op);
    expectOutage(await browser.submit(consent, '/oauth2/consent', { decision: 'allow' }));
    app.proxy.restore();
    const back = await browser.submit(consent, '/oauth2/consent', { decision: 'allow' });
    expect(back.status).toBe(303);
    const tokens = await redeem(app, { client_id: 'partner-faults', code: codeOf(back), code_verifier: verifier });
    expect(tokens.status).toBe(200);
  });

  test('authorize from SSO: the code not written is a 503 page; the next navigation gets one', async () => {
    const browser = new BrowserAgent(app.url);
    const { page } = await loginPage(browser);
    await signIn(browser, page);
    failing('PutItem');
    expectOutage(await browser.navigate(authorizeUrl(app, pkce().challenge)));
    app.proxy.restore();
    expect((await browser.navigate(authorizeUrl(app, pkce().challenge))).status).toBe(303);
  });
});

describe('store failures at the token endpoint', () => {
  test.each([
    ['marking the code used', 'UpdateItem', 1],
    ['the session (the mark is taken back)', 'PutItem', 1],
  ] as const)('%s failing: 503 temporarily_unavailable; the retry gets the tokens', async (_l, op, nth) => {
    const browser = new BrowserAgent(app.url);
    const { page, verifier } = await loginPage(browser);
    const back = await signIn(browser, page);
    failing(op, nth);
    const failed = await redeem(app, { code: codeOf(back), code_verifier: verifier });
    app.proxy.restore();
    expect([failed.status, failed.body.error]).toEqual([503, 'temporarily_unavailable']);
    const retried = await redeem(app, { code: codeOf(back), code_verifier: verifier });
    expect(retried.status).toBe(200);
    expect(await app.session(decodeJwt(retried.body.access_token).sid as string)).toBeDefined();
  });
});

describe('bad input on every parameter: a 400 page or the RFC error, nothing written', () => {
  const base = () => ({ challenge: pkce().challenge });
  test.each([
    ['a 65-character client_id', { client_id: 'x'.repeat(65) }, 'page'],
    ['a client_id with markup', { client_id: '<script>' }, 'page'],
    ['a redirect_uri that is no URI', { redirect_uri: 'not a uri' }, 'page'],
    ['no response_type', { response_type: '' }, 'unsupported_response_type'],
    ['a 44-character code_challenge', { code_challenge: 'A'.repeat(44) }, 'invalid_request'],
    ['code_challenge_method s256', { code_challenge_method: 's256' }, 'invalid_request'],
    ['a 1025-character state', { state: 's'.repeat(1025) }, 'invalid_request'],
    ['a scope with a quote', { scope: 'openid "quoted"' }, 'invalid_scope'],
    ['a 257-character nonce', { nonce: 'n'.repeat(257) }, 'invalid_request'],
    ['two prompts', { prompt: 'none login' }, 'invalid_request'],
    ['a negative max_age', { max_age: '-1' }, 'invalid_request'],
    ['a fractional max_age', { max_age: '1.5' }, 'invalid_request'],
    ['a 129-character login_hint', { login_hint: 'h'.repeat(129) }, 'invalid_request'],
    ['another resource', { resource: 'https://other.example' }, 'invalid_target'],
  ])('authorize with %s: %s', async (_label, extra, expected) => {
    const before = writes();
    const reply = await new BrowserAgent(app.url).navigate(authorizeUrl(app, base().challenge, extra));
    if (expected === 'page') expect([reply.status, reply.location]).toEqual([400, undefined]);
    else {
      expect(reply.status).toBe(303);
      const params = paramsOf(reply.location);
      expect(params).toMatchObject({ error: expected, iss: app.url });
      // An over-long state is not echoed (it is the parameter at fault).
      if ((extra as { state?: string }).state) expect(params).not.toHaveProperty('state');
    }
    expect(writes()).toBe(before);
  });

  test.each([
    ['no authz', { authz: '' }, '400'],
    ['a malformed authz', { authz: '../../etc' }, '400'],
    ['an unknown authz', { authz: 'A'.repeat(22) }, '400'],
    ['a username with a zero-width space', { username: 'olga\u200b' }, '400'],
    ['no password', { password: '' }, '400'],
    ['a huge password', { password: 'p'.repeat(1100) }, '400'],
  ])('login form with %s: %s, no session', async (_label, fields, status) => {
    const browser = new BrowserAgent(app.url);
    const { page } = await loginPage(browser);
    const sessions = (await app.sessionsOf('olga')).length;
    const reply = await browser.submit(page, '/oauth2/login/password', {
      username: 'olga',
      password: 'pw-olga',
      ...fields,
    });
    expect([String(reply.status), reply.location]).toEqual([status, undefined]);
    expect((await app.sessionsOf('olga')).length).toBe(sessions);
  });

  test('a field sent twice, a JSON body, a wrong decision: 400 pages', async () => {
    const browser = new BrowserAgent(app.url);
    const { page } = await loginPage(browser, 'partner-faults');
    const consent = await signIn(browser, page);
    expect((await browser.submit(consent, '/oauth2/consent', { decision: 'maybe' })).status).toBe(400);
    const json = await browser.submit(consent, '/oauth2/consent', {}, { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
  });

  test.each([
    ['no code', { code: '' }, 'invalid_request'],
    ['a malformed code', { code: 'short' }, 'invalid_grant'],
    ['no redirect_uri', { redirect_uri: '' }, 'invalid_request'],
    ['another redirect_uri', { redirect_uri: `${REDIRECT}/x` }, 'invalid_grant'],
    ['a short verifier', { code_verifier: 'v'.repeat(42) }, 'invalid_request'],
    ['a verifier with a space', { code_verifier: `${'v'.repeat(42)} ` }, 'invalid_request'],
  ])('the code grant with %s: %s; the code still works', async (_label, fields, error) => {
    const browser = new BrowserAgent(app.url);
    const { page, verifier } = await loginPage(browser);
    const back = await signIn(browser, page);
    const reply = await redeem(app, { code: codeOf(back), code_verifier: verifier, ...fields });
    expect([reply.status, reply.body.error]).toEqual([400, error]);
    expect((await redeem(app, { code: codeOf(back), code_verifier: verifier })).status).toBe(200);
  });

  test('a hosted login that fails is audited with its client, and shows the page again (401)', async () => {
    const browser = new BrowserAgent(app.url);
    const { page } = await loginPage(browser);
    const lines = (globalThis as { __logLines?: string[] }).__logLines!;
    const before = lines.length;
    const wrong = await browser.submit(page, '/oauth2/login/password', { username: 'olga', password: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Incorrect username or password');
    const audited = lines
      .slice(before)
      .map((l) => JSON.parse(l))
      .find((l) => l.event === 'login_failed');
    expect(audited).toMatchObject({ username: 'olga', client_id: 'demo-app', reason: 'bad_password' });
  });
});
