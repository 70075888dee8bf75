import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { userKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { blocksOf } from '../support/doc-blocks';
import { form, request } from '../support/http';
import { runUsers } from '../support/users-cli';

// docs/importing-users.md "From Auth0, Cognito or Django": each jq recipe, as the page prints it, run
// on a sample export in that system's shape (with hashes its libraries made), then imported; the
// users log in with their old passwords and keep what the export said of them. .ci/run installs jq
// and sets REQUIRE_JQ=1, so CI never skips them; elsewhere, without jq, they are skipped, saying so.
jest.setTimeout(60_000);

const HAS_JQ = spawnSync('jq', ['--version']).status === 0;
if (!HAS_JQ && process.env.REQUIRE_JQ === '1') throw new Error('jq is missing: apt-get install -y jq');
if (!HAS_JQ) console.warn('jq not installed: skipping the import recipes of docs/importing-users.md');
const withJq = HAS_JQ ? test : test.skip;

const run = promisify(execFile);
/** Where the import writes the reset links of users without a hash (--no-email). */
const LINKS = 'users.jsonl.reset-links.tsv';
const fixtures: { scheme: string; password: string; hash: string }[] = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'imported-hashes.json'), 'utf8'),
);
const hashOf = (scheme: string) => fixtures.find((f) => f.scheme === scheme)!;

/** The page's recipe blocks, by the export file each reads. */
const recipes = blocksOf('docs/importing-users.md').filter(
  (b) => b.marker?.kind === 'skip' && b.marker.reason.includes('import-recipes.test.ts'),
);
const recipeFor = (input: string) => {
  const found = recipes.filter((b) => b.text.includes(` ${input} > users.jsonl`));
  expect(found).toHaveLength(1);
  return found[0].text;
};

let app: TestApp;
beforeAll(async () => {
  if (HAS_JQ) app = await startApp();
});
afterAll(() => app?.close());

/** Writes the export, runs the page's recipe on it in a fresh folder, imports what it wrote. */
async function convertAndImport(input: string, exported: string) {
  const dir = mkdtempSync(join(tmpdir(), 'import-recipe-'));
  writeFileSync(join(dir, input), exported);
  await run('bash', ['-euo', 'pipefail', '-c', recipeFor(input)], { cwd: dir });
  const lines = readFileSync(join(dir, 'users.jsonl'), 'utf8').trim().split('\n');
  const out = await runUsers(app.tableName, ['import', join(dir, 'users.jsonl'), '--no-email'], {
    env: { PASSWORD_RESET_URL: 'http://localhost:3000/reset-password' },
  });
  expect([out.code, out.stdout]).toEqual([0, expect.stringContaining(`imported ${lines.length}, updated 0`)]);
  return {
    lines: lines.map((l) => JSON.parse(l)),
    links: existsSync(join(dir, LINKS)) ? readFileSync(join(dir, LINKS), 'utf8') : '',
  };
}

const stored = async (username: string) =>
  (await app.db.send(new GetCommand({ TableName: app.tableName, Key: userKey(username) }))).Item;
const login = (username: string, password: string) =>
  request(`${app.url}/auth/token`, 'POST', form({ username, password }));

test('the page has one recipe per system, each marked as run here', () => {
  expect(recipes).toHaveLength(3);
});

withJq("Auth0's password hashes export: the email is the username (at the root or in identifiers)", async () => {
  const ada = hashOf('bcrypt-2b');
  const grace = hashOf('bcrypt-2a');
  const exported = [
    {
      _id: { $oid: '5dea9f9c82dd7c0e76e4ec93' },
      email_verified: true,
      email: 'ada@auth0.example',
      passwordHash: ada.hash,
      password_set_date: { $date: '2019-12-06T18:36:12.412Z' },
      tenant: 'example',
      connection: 'Username-Password-Authentication',
      _tmp_is_unique: true,
    },
    {
      _id: { $oid: '5dea9f9c82dd7c0e76e4ec94' },
      passwordHash: grace.hash,
      tenant: 'example',
      connection: 'Username-Password-Authentication',
      identifiers: [{ type: 'email', value: 'Grace@Auth0.example', verified: false }],
      alt_id: 'grace',
    },
  ];
  const { lines } = await convertAndImport('auth0-export.ndjson', exported.map((u) => JSON.stringify(u)).join('\n'));
  expect(lines).toEqual([
    { username: 'ada@auth0.example', email: 'ada@auth0.example', email_verified: true, password_hash: ada.hash },
    { username: 'Grace@Auth0.example', email: 'Grace@Auth0.example', email_verified: false, password_hash: grace.hash },
  ]);
  expect((await login('ada@auth0.example', ada.password)).status).toBe(200);
  expect((await login('grace@auth0.example', grace.password)).status).toBe(200);
  // A verified address is stored as any user's is (only an unverified one is marked).
  expect((await stored('ada@auth0.example'))!.emailVerified).toBeUndefined();
  expect((await stored('grace@auth0.example'))!.emailVerified).toBe(false);
});

withJq("Cognito's list-users: the sub-named user by email, the others by name, each with a reset link", async () => {
  const sub = '8f2e6a3c-1b4d-4e5f-9a7b-0c1d2e3f4a5b';
  const exported = {
    Users: [
      {
        Username: sub,
        Attributes: [
          { Name: 'sub', Value: sub },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'name', Value: 'Cognito Ann' },
          { Name: 'email', Value: 'ann@cognito.example' },
        ],
        UserCreateDate: '2024-01-01T00:00:00.000000+00:00',
        Enabled: true,
        UserStatus: 'CONFIRMED',
      },
      {
        Username: 'cognito-bob',
        Attributes: [
          { Name: 'sub', Value: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e' },
          { Name: 'email', Value: 'bob@cognito.example' },
          { Name: 'email_verified', Value: 'false' },
        ],
        Enabled: false,
        UserStatus: 'CONFIRMED',
      },
    ],
  };
  const { lines, links } = await convertAndImport('cognito-users.json', JSON.stringify(exported, null, 2));
  expect(lines).toEqual([
    {
      username: 'ann@cognito.example',
      email: 'ann@cognito.example',
      email_verified: true,
      full_name: 'Cognito Ann',
      disabled: false,
    },
    { username: 'cognito-bob', email: 'bob@cognito.example', email_verified: false, disabled: true },
  ]);
  expect(await stored('ann@cognito.example')).toMatchObject({ fullName: 'Cognito Ann' });
  expect((await stored('ann@cognito.example'))!.emailVerified).toBeUndefined();
  expect(await stored('cognito-bob')).toMatchObject({ disabled: true, emailVerified: false });
  expect(links).toMatch(/^ann@cognito\.example\tann@cognito\.example\thttp:\/\/localhost:3000\/reset-password/m);
});

withJq(
  "Django's dumpdata: its PBKDF2 and argon2 hashes log in; an unusable password gets a link; inactive is disabled",
  async () => {
    const pbkdf2 = hashOf('django-pbkdf2-sha256');
    const argon = hashOf('argon2id');
    const user = (pk: number, fields: Record<string, unknown>) => ({
      model: 'auth.user',
      pk,
      fields: {
        last_login: null,
        is_superuser: false,
        first_name: '',
        last_name: '',
        email: '',
        is_staff: false,
        is_active: true,
        date_joined: '2024-01-01T00:00:00Z',
        groups: [],
        user_permissions: [],
        ...fields,
      },
    });
    const exported = [
      user(1, {
        username: 'dj-ada',
        password: pbkdf2.hash,
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'a@dj.example',
      }),
      // Django's Argon2PasswordHasher: argon2-cffi's hash behind "argon2".
      user(2, { username: 'dj-argon', password: `argon2${argon.hash}` }),
      user(3, { username: 'dj-social', password: '!Jt5aG7hQ2kXr9sVw3yZ4bN6cM8dF1eL0pO2iU4', email: 's@dj.example' }),
      user(4, { username: 'dj-gone', password: pbkdf2.hash, is_active: false }),
    ];
    const { lines, links } = await convertAndImport('django-users.json', JSON.stringify(exported, null, 2));
    expect(lines).toEqual([
      {
        username: 'dj-ada',
        email: 'a@dj.example',
        full_name: 'Ada Lovelace',
        disabled: false,
        password_hash: pbkdf2.hash,
      },
      { username: 'dj-argon', disabled: false, password_hash: argon.hash },
      { username: 'dj-social', email: 's@dj.example', disabled: false },
      { username: 'dj-gone', disabled: true, password_hash: pbkdf2.hash },
    ]);
    expect((await login('dj-ada', pbkdf2.password)).status).toBe(200);
    expect((await login('dj-argon', argon.password)).status).toBe(200);
    expect((await login('dj-gone', pbkdf2.password)).status).toBe(401);
    expect(await stored('dj-ada')).toMatchObject({ fullName: 'Ada Lovelace' });
    // No password until the link is used.
    expect((await stored('dj-social'))!.passwordHash).toBeFalsy();
    expect(links).toMatch(/^dj-social\ts@dj\.example\t/m);
  },
);
