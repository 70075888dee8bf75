import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { schemeHeaderOf } from '../../functions/core/password-schemes';
import { userKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { form, request } from '../support/http';
import { runUsers } from '../support/users-cli';

// `npm run users -- import FILE` (docs/importing-users.md) against the test table: users of every
// scheme log in with their old passwords, refused lines are reported and write nothing, a second run
// skips what is there, and a user without a hash sets a password through the link written for them.
jest.setTimeout(60_000);

const fixtures: { scheme: string; password: string; hash: string }[] = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'imported-hashes.json'), 'utf8'),
);

let app: TestApp;
let dir: string;
beforeAll(async () => {
  app = await startApp();
  dir = mkdtempSync(join(tmpdir(), 'users-import-'));
});
afterAll(() => app.close());

/** The users CLI on the test table, with the reset page the links open. */
const users = (args: string[], env: Record<string, string> = {}) =>
  runUsers(app.tableName, args, { env: { PASSWORD_RESET_URL: 'http://localhost:3000/reset-password', ...env } });

const stored = async (username: string) =>
  (await app.db.send(new GetCommand({ TableName: app.tableName, Key: userKey(username) }))).Item;
const login = (username: string, password: string) =>
  request(`${app.url}/auth/token`, 'POST', form({ username, password }));
const literal = (text: string) => text.replace(/[$.*+?()[\]{}|^\\]/g, '\\$&');
const file = (name: string, rows: (object | string)[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`);
  return path;
};

describe('npm run users -- import', () => {
  const good = fixtures.map((f, i) => ({
    username: `Moved-${i}`,
    email: `moved-${i}@example.com`,
    full_name: `Moved ${f.scheme}`,
    password_hash: f.hash,
  }));
  const bad: [string | object, RegExp][] = [
    ['{not json', /not a JSON object/],
    [{ username: 'extra-field', pasword_hash: 'x' }, /unknown field "pasword_hash"/],
    [{ username: 'bad\u0007name' }, /username/],
    [{ username: 'bad-email', email: 'nobody' }, /email is not an address/],
    [{ username: 'md5-user', password_hash: '5f4dcc3b5aa765d61d8327deb882cf99' }, /not a bcrypt, argon2id/],
    [
      {
        username: 'greedy',
        password_hash: '$argon2id$v=19$m=4194304,t=2,p=1$rrVWKsX4n9PauzcGIATg3A$cz8+Df78uDWLKgQHjyDwfA',
      },
      /beyond/,
    ],
    [{ username: 'flag', disabled: 'yes' }, /disabled must be true or false/],
    [{ username: 'moved-0', password_hash: fixtures[0].hash }, /same name as, or looks like, line 1/],
  ];

  test('imports every scheme, reports each bad line with its number and reason, and writes none of them', async () => {
    const path = file('users.jsonl', [...good, ...bad.map(([row]) => row)]);
    const out = await users(['import', path, '--no-email']);
    expect(out.code).toBe(1);
    bad.forEach(([, reason], i) => {
      const line = out.stdout.split('\n').find((l) => l.startsWith(`line ${good.length + i + 1}: `));
      expect(line).toMatch(reason);
    });
    expect(out.stdout).toContain(
      `imported ${good.length}, updated 0, skipped 0 (already there), refused ${bad.length}`,
    );
    // Each imported scheme with its users and what one check costs, and what an unknown name costs.
    const schemes = fixtures.map((f) => schemeHeaderOf(f.hash)).filter((h): h is string => h !== undefined);
    const listed = out.stdout.split("other systems' hashes, until each user logs in once (then bcrypt):\n")[1];
    for (const header of new Set(schemes)) {
      const count = schemes.filter((h) => h === header).length;
      expect(listed).toMatch(new RegExp(`^  ${literal(header)}  ${count} users, one check \\d+ ms$`, 'm'));
    }
    expect(listed).toMatch(/^an unknown username costs the bcrypt dummy \(\d+ ms at cost 4\)/m);
    for (const name of ['extra-field', 'bad-email', 'md5-user', 'greedy', 'flag'])
      expect(await stored(name)).toBeUndefined();
    // Usernames are canonical (lower case), and each logs in with the password of the old system.
    for (const [i, f] of fixtures.entries()) {
      expect((await login(`moved-${i}`, f.password)).status).toBe(200);
      expect(String((await stored(`moved-${i}`))!.passwordHash)).toMatch(/^\$2[aby]\$04\$/);
    }
    expect((await stored('moved-0'))!.fullName).toBe(`Moved ${fixtures[0].scheme}`);
  });

  test('a second run skips every user already there; --update replaces them; --dry-run writes nothing', async () => {
    const path = file('again.jsonl', good.slice(0, 3));
    expect((await users(['import', path])).stdout).toContain('imported 0, updated 0, skipped 3');
    const dry = await users([
      'import',
      file('dry.jsonl', [{ username: 'dry-run-user', password_hash: fixtures[0].hash }]),
      '--dry-run',
    ]);
    expect(dry.stdout).toContain('would import 1');
    expect(await stored('dry-run-user')).toBeUndefined();
    const changed = good.slice(0, 1).map((u) => ({ ...u, full_name: 'Renamed', password_hash: fixtures[1].hash }));
    expect((await users(['import', file('update.jsonl', changed), '--update'])).stdout).toContain('updated 1');
    expect((await stored('moved-0'))!.fullName).toBe('Renamed');
    expect((await login('moved-0', fixtures[1].password)).status).toBe(200);
  });

  test('a user without a hash has no password until the reset link written for them is used', async () => {
    const path = file('no-hash.jsonl', [{ username: 'no-hash', email: 'no-hash@example.com' }]);
    const out = await users(['import', path, '--no-email']);
    expect(out.stdout).toContain('1 reset links (valid 24 h) written to');
    expect((await login('no-hash', '')).status).toBe(422);
    expect((await login('no-hash', 'anything at all')).status).toBe(401);
    const [username, email, link] = readFileSync(`${path}.reset-links.tsv`, 'utf8').trim().split('\t');
    expect([username, email]).toEqual(['no-hash', 'no-hash@example.com']);
    const token = new URL(link).searchParams.get('token')!;
    const reset = await request(`${app.url}/auth/password/reset`, 'POST', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, new_password: 'a brand new passphrase' }),
    });
    expect(reset.status).toBe(200);
    expect((await login('no-hash', 'a brand new passphrase')).status).toBe(200);
  });

  test('CSV: a header of the fields, quoted hashes, empty cells absent, bad rows reported by line', async () => {
    const argon = fixtures.find((f) => f.scheme === 'argon2id')!;
    const bcryptUser = fixtures.find((f) => f.hash.startsWith('$2'))!;
    const path = join(dir, 'users.csv');
    writeFileSync(
      path,
      [
        'username,email,full_name,email_verified,disabled,password_hash',
        `csv-argon,csv@example.com,"Argon, the CSV one",false,,"${argon.hash}"`,
        `CSV-Bcrypt,,,,false,${bcryptUser.hash}`,
        '',
        'csv-flag,,,,yes,',
        'csv-short,only two',
        'csv-no-hash,csv-no-hash@example.com,,,,',
      ].join('\r\n'),
    );
    const out = await users(['import', path, '--no-email']);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^line 5: disabled must be true or false$/m);
    expect(out.stdout).toMatch(/^line 6: not a CSV row: /m);
    expect(out.stdout).toContain('imported 3, updated 0, skipped 0 (already there), refused 2, of 7 lines');
    expect(await stored('csv-argon')).toMatchObject({ email: 'csv@example.com', fullName: 'Argon, the CSV one' });
    expect((await stored('csv-argon'))!.emailVerified).toBe(false);
    expect((await stored('csv-bcrypt'))!).not.toHaveProperty('email');
    expect((await login('csv-bcrypt', bcryptUser.password)).status).toBe(200);
    expect((await login('csv-argon', argon.password)).status).toBe(200);
    expect(readFileSync(`${path}.reset-links.tsv`, 'utf8')).toMatch(/^csv-no-hash\tcsv-no-hash@example.com\t/);
    const unknownColumn = file('bad-header.csv', ['username,pasword_hash', 'someone,x']);
    const refused = await users(['import', unknownColumn, '--no-email']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('the CSV header must name the fields');
    expect(await stored('someone')).toBeUndefined();
  });

  test('a file starting with a byte-order mark (as spreadsheets and Windows tools write) loses no line', async () => {
    const bcryptUser = fixtures.find((f) => f.hash.startsWith('$2'))!;
    const jsonl = join(dir, 'bom.jsonl');
    writeFileSync(jsonl, `\uFEFF${JSON.stringify({ username: 'bom-json', password_hash: bcryptUser.hash })}\n`);
    const csv = join(dir, 'bom.csv');
    writeFileSync(csv, `\uFEFFusername,password_hash\r\nbom-csv,${bcryptUser.hash}\r\n`);
    for (const [path, name] of [
      [jsonl, 'bom-json'],
      [csv, 'bom-csv'],
    ]) {
      const out = await users(['import', path]);
      expect([out.code, out.stdout]).toEqual([0, expect.stringContaining('imported 1, updated 0, skipped 0')]);
      expect((await login(name, bcryptUser.password)).status).toBe(200);
    }
  });

  test('without --no-email or a mail queue, a file with users without hashes is refused before any write', async () => {
    const path = file('needs-mail.jsonl', [{ username: 'needs-mail', email: 'm@example.com' }]);
    const out = await users(['import', path]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('MAIL_QUEUE_URL');
    expect(await stored('needs-mail')).toBeUndefined();
  });
});
