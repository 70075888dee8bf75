import { DEMO_SERVICE_SECRET } from '../../dev/demo-clients';
import { startApp, type TestApp } from '../support/app';
import { authorizeUrl, codeOf, pkce, putClient, redeem } from '../support/authorization';
import { BrowserAgent } from '../support/browser-agent';
import { OAUTH_EVENTS, busEvents, expectWellFormed } from '../support/bus-events';
import { form, request } from '../support/http';

// The OAuth routes' audit events on the dev server's event bus (docs/events.md): client
// authentication, client_credentials, registration, codes (issued by the form and by SSO, reused),
// consent both ways and the SSO logout, each with the documented fields only.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ DYNAMIC_CLIENT_REGISTRATION: 'true' });
  await app.addUser('olga', 'pw-olga', { email: 'olga@example.com' });
  await putClient(app, { id: 'partner', firstParty: false });
});
afterAll(() => app.close());

const secrets: string[] = ['pw-olga', DEMO_SERVICE_SECRET];
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const clientCredentials = (secret: string) =>
  request(`${app.url}/oauth2/token`, 'POST', {
    ...form({ grant_type: 'client_credentials' }),
    headers: { ...form({}).headers, authorization: basic('demo-service', secret) },
  });

/** The partner's code flow through the consent page, allowed or denied. */
async function throughConsent(browser: BrowserAgent, decision: 'allow' | 'deny') {
  const { verifier, challenge } = pkce();
  const page = await browser.navigate(authorizeUrl(app, challenge, { client_id: 'partner' }));
  const consent = await browser.submit(page, '/oauth2/login/password', { username: 'olga', password: 'pw-olga' });
  const back = await browser.submit(consent, '/oauth2/consent', { decision });
  return { back, verifier };
}

test('every OAuth event is on /_dev/events, as documented', async () => {
  const issued = await clientCredentials(DEMO_SERVICE_SECRET);
  expect(issued.status).toBe(200);
  secrets.push(issued.body.access_token);
  expect((await clientCredentials('not the secret')).status).toBe(401);

  const registered = await request(`${app.url}/oauth2/register`, 'POST', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'A tool',
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'none',
    }),
  });
  expect(registered.status).toBe(201);

  const browser = new BrowserAgent(app.url);
  const allowed = await throughConsent(browser, 'allow');
  const code = codeOf(allowed.back);
  const tokens = await redeem(app, { client_id: 'partner', code, code_verifier: allowed.verifier });
  expect(tokens.status).toBe(200);
  secrets.push(code, tokens.body.access_token, tokens.body.refresh_token);
  const again = await redeem(app, { client_id: 'partner', code, code_verifier: allowed.verifier });
  expect([again.status, again.body.error]).toEqual([400, 'invalid_grant']);
  const denied = await throughConsent(new BrowserAgent(app.url), 'deny');
  expect(new URL(denied.back.location!).searchParams.get('error')).toBe('access_denied');
  // The first party's code from the SSO session alone (no form), then the SSO session's end.
  const sso = await browser.navigate(authorizeUrl(app, pkce().challenge));
  expect(codeOf(sso)).toEqual(expect.any(String));
  secrets.push(codeOf(sso), ...browser.jar.values());
  expect((await browser.navigate(`${app.url}/oauth2/logout`)).status).toBe(200);

  const events = await busEvents(app.url);
  const seen = new Set(events.map((e) => e['detail-type']));
  expect(OAUTH_EVENTS.filter((e) => !seen.has(e))).toEqual([]);
  expectWellFormed(events, secrets);
  const of = (type: string) => events.filter((e) => e['detail-type'] === type).map((e) => e.detail);
  expect(of('client_auth_failed')).toEqual([
    expect.objectContaining({ client_id: 'demo-service', reason: 'bad_secret' }),
  ]);
  expect(of('client_token_issued')).toEqual([expect.objectContaining({ client_id: 'demo-service' })]);
  expect(of('client_registered')).toEqual([expect.objectContaining({ client_id: registered.body.client_id })]);
  expect(of('authorization_code_issued')).toEqual([
    expect.objectContaining({ client_id: 'partner', username: 'olga' }),
    expect.objectContaining({ client_id: 'demo-app', username: 'olga', sso: true }),
  ]);
  expect(of('authorization_code_reuse')).toEqual([expect.objectContaining({ client_id: 'partner', username: 'olga' })]);
  expect(of('consent_granted')).toEqual([expect.objectContaining({ client_id: 'partner', username: 'olga' })]);
  expect(of('consent_denied')).toEqual([expect.objectContaining({ client_id: 'partner', username: 'olga' })]);
  expect(of('sso_logout')).toEqual([expect.objectContaining({ username: 'olga', sid: expect.any(String) })]);
});
