import { execFile } from 'node:child_process';
import { startApp, type TestApp } from '../support/app';
import { login, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

/** Runs `npm run users -- ...` (the same script, without npm) against the test table. */
function users(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/users.ts', ...args],
      {
        env: {
          ...process.env,
          TABLE_NAME: app.tableName,
          DYNAMODB_ENDPOINT: process.env.TEST_STORE_ENDPOINT,
          BCRYPT_COST: '4',
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('npm run users', () => {
  test('adds a user whose password comes from stdin, who can then log in', async () => {
    const out = await users(
      ['add', 'grace', '--email', 'grace@example.com', '--full-name', 'Grace Hopper'],
      'correct horse battery staple\n',
    );
    expect(out).toMatchObject({ code: 0, stdout: 'added grace\n' });
    const session = await login(app.url, 'grace', 'correct horse battery staple');
    const me = await request(`${app.url}/users/me`, 'GET', { bearer: session.access });
    expect(me.body).toEqual({
      username: 'grace',
      email: 'grace@example.com',
      full_name: 'Grace Hopper',
      disabled: false,
    });
  });

  test('lists users without hashes', async () => {
    const out = await users(['list']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('johndoe\tactive\tJohn Doe\tjohndoe@example.com');
    expect(out.stdout).toContain('alice\tdisabled');
    expect(out.stdout).not.toMatch(/\$2[aby]\$/);
  });

  test('refuses an empty password and one over 72 bytes, creating nothing', async () => {
    const empty = await users(['add', 'heidi'], '\n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('must not be empty');
    const long = await users(['add', 'heidi'], `${'é'.repeat(37)}\n`);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('at most 72 bytes');
    expect(await app.store.getUser('heidi')).toBeUndefined();
  });

  test('refuses a password on the command line', async () => {
    const out = await users(['add', 'ivan', 'hunter2']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('never taken from the command line');
    expect(await app.store.getUser('ivan')).toBeUndefined();
  });

  test('does not overwrite an existing user without --force; --force ends the old sessions', async () => {
    const session = await login(app.url);
    const refused = await users(['add', 'johndoe'], 'other-password\n');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh })).status).toBe(200);

    const forced = await users(
      ['add', 'johndoe', '--force', '--full-name', 'John Doe', '--email', 'johndoe@example.com'],
      'secret\n',
    );
    expect(forced.code).toBe(0);
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh })).status).toBe(401);
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: session.access })).status).toBe(401);
  });

  test('disable ends every session; enable allows new logins but revives none', async () => {
    await users(['add', 'judy'], 'pw-judy\n');
    const session = await login(app.url, 'judy', 'pw-judy');
    const disabled = await users(['disable', 'judy']);
    expect(disabled).toMatchObject({ code: 0, stdout: 'disabled judy (1 session ended)\n' });
    expect(await app.session(session.sid)).toBeUndefined();
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh })).status).toBe(401);
    expect(
      (
        await request(`${app.url}/auth/token`, 'POST', {
          headers: { 'content-type': 'application/json' },
          body: '{"username":"judy","password":"pw-judy"}',
        })
      ).status,
    ).toBe(401);

    expect((await users(['enable', 'judy'])).code).toBe(0);
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh })).status).toBe(401);
    expect((await login(app.url, 'judy', 'pw-judy')).access).toBeTruthy();
  });

  test('remove deletes the user; their tokens stop working', async () => {
    await users(['add', 'mallory'], 'pw-mallory\n');
    const session = await login(app.url, 'mallory', 'pw-mallory');
    expect((await users(['remove', 'mallory'])).stdout).toBe('removed mallory\n');
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: session.access })).status).toBe(401);
    expect((await users(['remove', 'mallory'])).code).toBe(2);
  });

  test('explains usage and a missing target', async () => {
    const help = await users([]);
    expect(help.code).toBe(2);
    expect(help.stdout).toContain('usage: npm run users');
    const out = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'bin/users.ts', 'list'],
        { env: { PATH: process.env.PATH } },
        (err, _o, stderr) => resolve({ code: Number(err?.code ?? 0), stderr }),
      );
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('set TABLE_NAME');
  });
});
