import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import bcrypt from 'bcryptjs';
import { cliBcryptCost } from '../../dev/users-cli';
import { userKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { login, request } from '../support/http';
import { enrolledUser, firstFactor, verify, codeAt } from '../support/mfa';
import { FRONT_END, passkeyLogin, userWithPasskey } from '../support/passkeys';
import { runUsers } from '../support/users-cli';

// Each test spawns the users CLI (a Node process with a TypeScript loader, about a second each) several
// times: on a busy 2-core machine that passes jest's 5 s default.
jest.setTimeout(30_000);

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOWED_ORIGINS: FRONT_END });
});
afterAll(() => app.close());

/** Runs `npm run users -- ...` against the test table (test/support/users-cli.ts). */
const users = (args: string[], stdin = '') => runUsers(app.tableName, args, { stdin });

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

  test('applies the password policy: 8 to 72 bytes, not the username, not a common password', async () => {
    for (const [password, why] of [
      ['', 'at least 8 bytes'],
      ['seven77', 'at least 8 bytes'],
      ['Password1', 'most common passwords'],
      ['HEIDI-PASS', 'must not be the username'],
    ]) {
      const out = await users(['add', 'heidi-pass'], `${password}\n`);
      expect([password, out.code, out.stderr]).toEqual([password, 2, expect.stringContaining(why)]);
    }
    const long = await users(['add', 'heidi'], `${'é'.repeat(37)}\n`);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('at most 72 bytes');
    expect(await app.store.getUser('heidi')).toBeUndefined();
  });

  test('passwd: a new password (policy applied), every session ended, the lockout untouched otherwise', async () => {
    await app.addUser('pat-cli', 'pw-old', { credentialVersion: 'v1' });
    const s = await login(app.url, 'pat-cli', 'pw-old');
    const weak = await users(['passwd', 'pat-cli'], 'password\n');
    expect([weak.code, weak.stderr]).toEqual([2, expect.stringContaining('most common passwords')]);
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: s.access })).status).toBe(200);
    const out = await users(['passwd', 'pat-cli'], 'correct horse battery staple\n');
    expect(out).toMatchObject({ code: 0, stdout: 'password changed for pat-cli (1 session ended)\n' });
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: s.access })).status).toBe(401);
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: s.refresh })).status).toBe(401);
    expect((await login(app.url, 'pat-cli', 'correct horse battery staple')).reply.status).toBe(200);
    expect((await app.store.getUser('pat-cli'))!.credentialVersion).not.toBe('v1');
    const missing = await users(['passwd', 'nobody-at-all'], 'correct horse battery staple\n');
    expect([missing.code, missing.stderr]).toEqual([2, 'users: no user "nobody-at-all"\n']);
  });

  test('mfa-reset: TOTP and codes gone, sessions and MFA tokens ended, the password alone logs in', async () => {
    const u = await enrolledUser(app);
    const pending = await firstFactor(app, u.username, u.password);
    const out = await users(['mfa-reset', u.username.toUpperCase()]);
    expect(out).toMatchObject({
      code: 0,
      stdout: `second factor removed for ${u.username} (1 session ended); the password alone logs in\n`,
    });
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: u.access })).status).toBe(401);
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: u.refresh })).status).toBe(401);
    const late = await verify(app, { mfa_token: pending, code: codeAt(u.secret, 1) });
    expect([late.status, late.body]).toEqual([401, { detail: 'Invalid or expired MFA token' }]);
    const s = await login(app.url, u.username, u.password);
    const status = await request(`${app.url}/auth/mfa`, 'GET', { bearer: s.access });
    expect(status.body).toMatchObject({ totp_enabled: false, recovery_codes_left: 0 });
    const stored = (await app.store.getSecondFactorUser(u.username))!;
    expect([stored.totp, stored.totpEnabledAt, stored.recoveryCodes]).toEqual([undefined, undefined, undefined]);
    const missing = await users(['mfa-reset', 'nobody-at-all']);
    expect([missing.code, missing.stderr]).toEqual([2, 'users: no user "nobody-at-all"\n']);
  });

  test('verify-email: an unverified user becomes verified; list shows who is not', async () => {
    await app.addUser('uma-cli', 'pw-old', { email: 'uma@example.com', emailVerified: false });
    expect((await users(['list'])).stdout).toContain('uma-cli\tactive,unverified\t\tuma@example.com');
    expect(await users(['verify-email', 'UMA-cli'])).toMatchObject({ code: 0, stdout: 'email verified for uma-cli\n' });
    expect((await app.store.getUser('uma-cli'))!.emailVerified).toBe(true);
    expect((await users(['list'])).stdout).toContain('uma-cli\tactive\t\tuma@example.com');
    expect((await users(['verify-email', 'nobody-at-all'])).code).toBe(2);
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
      'a new secret for john\n',
    );
    expect(forced.code).toBe(0);
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh })).status).toBe(401);
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: session.access })).status).toBe(401);
  });

  test('disable ends every session; enable allows new logins but revives none', async () => {
    await users(['add', 'judy'], 'pw-judy-2026\n');
    const session = await login(app.url, 'judy', 'pw-judy-2026');
    const disabled = await users(['disable', 'judy']);
    expect(disabled).toMatchObject({ code: 0, stdout: 'disabled judy (1 session ended)\n' });
    expect(await app.session(session.sid)).toBeUndefined();
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh })).status).toBe(401);
    expect(
      (
        await request(`${app.url}/auth/token`, 'POST', {
          headers: { 'content-type': 'application/json' },
          body: '{"username":"judy","password":"pw-judy-2026"}',
        })
      ).status,
    ).toBe(401);

    expect((await users(['enable', 'judy'])).code).toBe(0);
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: session.refresh })).status).toBe(401);
    expect((await login(app.url, 'judy', 'pw-judy-2026')).access).toBeTruthy();
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

  test('stores the canonical form of a username and refuses look-alikes of an existing one', async () => {
    expect(await users(['add', 'LookAlike'], 'lookalike-pw-1\n')).toMatchObject({
      code: 0,
      stdout: 'added lookalike\n',
    });
    const again = await users(['add', 'LOOKALIKE'], 'lookalike-pw-2\n');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('user "LOOKALIKE" exists');
    const zeroWidth = await users(['add', 'lookalike\u200b'], 'lookalike-pw-3\n');
    expect(zeroWidth.code).toBe(2);
    expect(zeroWidth.stderr).toContain('format characters');
    expect((await login(app.url, 'LookAlike', 'lookalike-pw-1')).reply.status).toBe(200);
  });

  test('migrate-usernames rewrites names stored before canonical forms, reporting collisions', async () => {
    const legacy = (username: string) =>
      app.db.send(
        new PutCommand({
          TableName: app.tableName,
          Item: {
            ...userKey(username),
            username,
            passwordHash: bcrypt.hashSync('pw-old', 4),
            disabled: false,
            createdAt: 1,
          },
        }),
      );
    await legacy('OldStyle');
    await legacy('Clash');
    await legacy('clash');
    const out = await users(['migrate-usernames']);
    expect(out.stdout).toContain('renamed "OldStyle" -> oldstyle');
    expect(out.stdout).toContain('collision: "Clash" and clash are one name');
    expect(out.code).toBe(1);
    expect((await login(app.url, 'OldStyle', 'pw-old')).reply.status).toBe(200);
    expect(await app.store.getUser('OldStyle')).toBeUndefined();
    expect(await app.store.getUser('Clash')).toBeDefined();
  });
});

describe('npm run users and passkeys', () => {
  const unknown = [401, { detail: 'Unknown passkey' }];

  test('mfa-reset --passkeys removes every passkey and ends the sessions; without it they stay', async () => {
    const u = await userWithPasskey(app);
    const kept = await users(['mfa-reset', u.username]);
    expect(kept.stdout).toBe(`second factor removed for ${u.username} (1 session ended); the password alone logs in\n`);
    expect((await passkeyLogin(app, u.credential)).reply.status).toBe(200);
    const out = await users(['mfa-reset', u.username, '--passkeys']);
    expect(out).toMatchObject({ code: 0, stdout: expect.stringContaining('second factor and 1 passkey removed for') });
    expect((await app.store.listPasskeys(u.username)).length).toBe(0);
    const after = await passkeyLogin(app, u.credential);
    expect([after.reply.status, after.reply.body]).toEqual(unknown);
    expect((await request(`${app.url}/users/me`, 'GET', { bearer: u.access })).status).toBe(401);
  });

  test('remove deletes the passkeys with the user: a later user of the name is not opened by them', async () => {
    const u = await userWithPasskey(app);
    expect(await users(['remove', u.username])).toMatchObject({ code: 0 });
    expect(await app.store.getPasskey(u.passkey.id)).toBeUndefined();
    await users(['add', u.username], 'a brand new person 1\n');
    const after = await passkeyLogin(app, u.credential);
    expect([after.reply.status, after.reply.body]).toEqual(unknown);
  });

  test('migrate-usernames gives the passkeys to the canonical name, where they log in', async () => {
    const u = await userWithPasskey(app);
    // Make it a legacy user: the same item under a name from before canonical forms.
    const legacy = `Legacy${u.username}`;
    const user = (await app.store.getUser(u.username))!;
    await app.store.putUser({ ...user, username: legacy }, { overwrite: false });
    await app.store.movePasskeys(u.username, legacy);
    await app.store.deleteUser(u.username);
    expect((await users(['migrate-usernames'])).stdout).toContain(`renamed "${legacy}" -> ${legacy.toLowerCase()}`);
    expect((await app.store.getPasskey(u.passkey.id))!.username).toBe(legacy.toLowerCase());
    const { reply } = await passkeyLogin(app, u.credential);
    expect(reply.status).toBe(200);
    const me = await request(`${app.url}/users/me`, 'GET', { bearer: reply.body.access_token });
    expect(me.body.username).toBe(legacy.toLowerCase());
  });
});

describe('the hash cost of the users CLI', () => {
  test('is BCRYPT_COST, else the bcryptCost context of cdk.json (as deployed), else 10', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdk-json-'));
    const cdkJson = join(dir, 'cdk.json');
    writeFileSync(cdkJson, JSON.stringify({ app: 'x', context: { bcryptCost: 12 } }));
    expect(cliBcryptCost({}, cdkJson)).toBe(12);
    expect(cliBcryptCost({ BCRYPT_COST: '11' }, cdkJson)).toBe(11);
    expect(cliBcryptCost({}, join(dir, 'absent.json'))).toBe(10);
    writeFileSync(cdkJson, JSON.stringify({ context: { bcryptCost: 3 } }));
    expect(() => cliBcryptCost({}, cdkJson)).toThrow('BCRYPT_COST');
  });
});
