import { startApp, type TestApp } from '../support/app';
import { request } from '../support/http';

// ALLOW_UNREGISTERED_CLIENTS=false, as the next release will default to (docs/upgrading.md): an
// unknown client id is 401 invalid_client at both endpoints; the default client and registered ones work.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOW_UNREGISTERED_CLIENTS: 'false' });
  await app.addUser('olga', 'pw-olga');
});
afterAll(() => app.close());

const post = (path: string, body: string) =>
  request(`${app.url}${path}`, 'POST', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

test('an unknown client id is invalid_client at the token and revocation endpoints, and starts nothing', async () => {
  const login = await post('/oauth2/token', 'grant_type=password&username=olga&password=pw-olga&client_id=cli-app');
  expect([login.status, login.body.error]).toEqual([401, 'invalid_client']);
  expect(login.headers.get('www-authenticate')).toBeNull();
  expect(await app.sessionsOf('olga')).toEqual([]);
  const revoke = await post('/oauth2/revoke', 'token=x&client_id=cli-app');
  expect([revoke.status, revoke.body.error]).toEqual([401, 'invalid_client']);
});

test('the default client, named or not, keeps the password grant', async () => {
  for (const body of ['', '&client_id=web']) {
    const login = await post('/oauth2/token', `grant_type=password&username=olga&password=pw-olga${body}`);
    expect(login.status).toBe(200);
  }
});
