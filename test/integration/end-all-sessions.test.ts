import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startApp, type TestApp } from '../support/app';
import { login, request } from '../support/http';

// The emergency lever (docs/operations.md "Runbook"): `npm run users -- end-all-sessions --yes` against the
// table ends every session of every user on its next request, whatever carries it, while new logins
// work at once.

// Each test spawns the users CLI (a Node process with a TypeScript loader, about a second each) several
// times: on a busy 2-core machine that passes jest's 5 s default.
jest.setTimeout(30_000);

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
  expect(pulled.stdout).toMatch(/^ended every session: the lever stands at generation \d+;/);

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

test('asks for --yes and takes no username', async () => {
  await expect(users(['end-all-sessions'])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('add --yes to confirm'),
  });
  await expect(users(['end-all-sessions', 'johndoe', '--yes'])).rejects.toMatchObject({ code: 2 });
  await expect(users(['end-all-sessions', '--undo'])).rejects.toMatchObject({ code: 2 });
});

/** The users CLI as if its machine's clock ran two minutes ahead (test/support/clock-ahead.cjs). */
const AHEAD = ['--require', './test/support/clock-ahead.cjs', '--import', 'tsx', 'bin/users.ts'];
const cliEnv = () => ({
  ...process.env,
  TABLE_NAME: app.tableName,
  DYNAMODB_ENDPOINT: process.env.TEST_STORE_ENDPOINT,
});
const usersClockAhead = (args: string[]) =>
  run(process.execPath, [...AHEAD, ...args], { env: cliEnv(), encoding: 'utf8' });
/** The same, with a password on stdin (passwd, add). */
const usersClockAheadWithPassword = (password: string, args: string[]) =>
  run('bash', ['-c', `printf '%s\\n' "$PASSWORD" | "${process.execPath}" ${[...AHEAD, ...args].join(' ')}`], {
    env: { ...cliEnv(), PASSWORD: password },
    encoding: 'utf8',
  });

test("the operator's clock decides nothing: a login right after a lever pulled 2 minutes ahead works", async () => {
  await app.addUser('ula', 'pw-ula');
  const before = await login(app.url, 'ula', 'pw-ula');
  await usersClockAhead(['end-all-sessions', '--yes']);
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: before.access })).status).toBe(401);
  const after = await login(app.url, 'ula', 'pw-ula');
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: after.access })).status).toBe(200);
  expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: after.refresh })).status).toBe(200);
});

test('disable, passwd and add --force from a clock 2 minutes ahead end the old sessions, never the next', async () => {
  await app.addUser('vic', 'pw-vic-1');
  const first = await login(app.url, 'vic', 'pw-vic-1');
  await usersClockAhead(['disable', 'vic']);
  await usersClockAhead(['enable', 'vic']);
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: first.access })).status).toBe(401);
  const second = await login(app.url, 'vic', 'pw-vic-1');
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: second.access })).status).toBe(200);
  const passwd = await usersClockAheadWithPassword('a new long passphrase', ['passwd', 'vic']);
  expect(passwd.stdout).toContain('vic');
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: second.access })).status).toBe(401);
  const third = await login(app.url, 'vic', 'a new long passphrase');
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: third.access })).status).toBe(200);
  await usersClockAheadWithPassword('another long passphrase', ['add', 'vic', '--force']);
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: third.access })).status).toBe(401);
  const fourth = await login(app.url, 'vic', 'another long passphrase');
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: fourth.access })).status).toBe(200);
});

test('a mistaken pull is taken back with --undo: the sessions it ended live again, later ones too', async () => {
  await app.addUser('wes', 'pw-wes');
  const before = await login(app.url, 'wes', 'pw-wes');
  await users(['end-all-sessions', '--yes']);
  const during = await login(app.url, 'wes', 'pw-wes');
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: before.access })).status).toBe(401);
  const undone = await users(['end-all-sessions', '--undo', '--yes']);
  expect(undone.stdout).toMatch(/^the lever is back at generation \d+/);
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: before.access })).status).toBe(200);
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: during.access })).status).toBe(200);
});
