import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startApp, type TestApp } from '../support/app';
import { login, request } from '../support/http';

// The emergency lever (docs/operations.md "Runbook"): `npm run users -- end-all-sessions --yes` against the
// table ends every session of every user on its next request, whatever carries it, while new logins
// work at once.

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const run = promisify(execFile);
/** `npm run users -- <args>` (the same script, without npm) against the test table. */
const users = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'bin/users.ts', ...args], {
    env: { ...process.env, TABLE_NAME: app.tableName, DYNAMODB_ENDPOINT: process.env.TEST_STORE_ENDPOINT },
    encoding: 'utf8',
  });
const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const oauthLogin = async (username: string, password: string) => {
  const reply = await request(`${app.url}/oauth2/token`, 'POST', form({ grant_type: 'password', username, password }));
  expect(reply.status).toBe(200);
  return { access: reply.body.access_token as string, refresh: reply.body.refresh_token as string };
};

test('ends every refresh token, access token and cookie of every user at once; new logins work', async () => {
  await app.addUser('zoe', 'pw-zoe');
  const cookieSessions = [await login(app.url), await login(app.url, 'zoe', 'pw-zoe')];
  const oauthSessions = [await oauthLogin('johndoe', 'secret'), await oauthLogin('zoe', 'pw-zoe')];
  const accessTokens = [...cookieSessions, ...oauthSessions].map((s) => s.access);
  for (const access of accessTokens) {
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: access })).status).toBe(200);
    expect((await request(`${app.url}/examples/session`, 'GET', { bearer: access })).status).toBe(200);
  }

  const pulled = await users(['end-all-sessions', '--yes']);
  expect(pulled.stdout).toMatch(/^ended every session created at or before \d{4}-\d\d-\d\dT/);

  for (const access of accessTokens) {
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: access })).status).toBe(401);
    expect((await request(`${app.url}/auth/sessions`, 'GET', { bearer: access })).status).toBe(401);
    expect((await request(`${app.url}/examples/session`, 'GET', { bearer: access })).status).toBe(403);
  }
  for (const s of cookieSessions) {
    const refreshed = await request(`${app.url}/auth/refresh`, 'POST', { cookie: s.refresh });
    expect([refreshed.status, refreshed.body]).toEqual([401, { detail: 'Invalid refresh token' }]);
    expect((await request(`${app.url}/auth/logout-all`, 'POST', { cookie: s.refresh })).status).toBe(401);
  }
  for (const s of oauthSessions) {
    const refreshed = await request(
      `${app.url}/oauth2/token`,
      'POST',
      form({ grant_type: 'refresh_token', refresh_token: s.refresh }),
    );
    expect([refreshed.status, refreshed.body.error]).toEqual([400, 'invalid_grant']);
  }

  // A login a moment later starts a session that works everywhere.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const fresh = await login(app.url, 'zoe', 'pw-zoe');
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: fresh.access })).status).toBe(200);
  expect((await request(`${app.url}/examples/session`, 'GET', { bearer: fresh.access })).status).toBe(200);
  expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: fresh.refresh })).status).toBe(200);
});

test('asks for --yes, takes no username, and never moves the instant back', async () => {
  await expect(users(['end-all-sessions'])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('add --yes to confirm'),
  });
  await expect(users(['end-all-sessions', 'johndoe', '--yes'])).rejects.toMatchObject({ code: 2 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const later = await login(app.url);
  // An instant in the past (a clock behind) changes nothing: the later session lives on.
  await app.store.endEverySession(Date.now() - 3_600_000);
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: later.access })).status).toBe(200);
});
