import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unknownUserHashFrom } from '../../functions/core/config';
import {
  dummyHashFor,
  importedHashProblem,
  importedHashes,
  importedSchemeOf,
  schemeHeaderOf,
  verifyImported,
} from '../../functions/core/password-schemes';
import { type ImportedHashes, PasswordChecker } from '../../functions/core/passwords';

/**
 * Hashes made by the other systems' own libraries (passlib, argon2-cffi, Django's format:
 * test/clients/password_hashes.py wrote test/fixtures/imported-hashes.json), checked by ours.
 */
const fixtures: { scheme: string; password: string; hash: string }[] = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'imported-hashes.json'), 'utf8'),
);
const checker = new PasswordChecker(4, importedHashes);

describe.each(fixtures)('a $scheme hash from another system', ({ password, hash }) => {
  test('is accepted with its password', async () => {
    expect(importedHashProblem(hash)).toBeUndefined();
    await expect(checker.check(password, hash)).resolves.toBe(true);
  });

  test('is refused with another password, or one character off', async () => {
    await expect(checker.check(`${password}!`, hash)).resolves.toBe(false);
    await expect(checker.check(password.slice(0, -1), hash)).resolves.toBe(false);
  });

  test('is replaced by bcrypt after a right password, unless it is bcrypt at the configured cost (4 here)', () => {
    expect(checker.needsRehash(hash)).toBe(!hash.startsWith('$2'));
  });
});

test('a hash whose digest was altered is refused for the right password', async () => {
  for (const { password, hash } of fixtures.filter((f) => importedSchemeOf(f.hash))) {
    const last = hash.at(-2) === 'A' ? 'B' : 'A';
    const altered = `${hash.slice(0, -2)}${last}${hash.at(-1)}`;
    await expect(verifyImported(password, altered)).resolves.toBe(false);
  }
});

test('unknown formats and work factors beyond the limits are refused before any work', async () => {
  const tooSlow = [
    '$scrypt$ln=25,r=8,p=1$H8MY4/zfm/M+J8TY+x+jVA$9Tw+QFehX/VCEKNWbfs3qvqcNfRwieYKuR7rFRcHKwI',
    '$pbkdf2-sha256$99999999$SokxplTqXYuxNqa0dq41Rg$PUxiEdzjKgIiu9dx0/LymS1IQbZ0ix6lh7g5JAvVYUQ',
    '$argon2id$v=19$m=4194304,t=2,p=1$rrVWKsX4n9PauzcGIATg3A$cz8+Df78uDWLKgQHjyDwfA',
  ];
  for (const hash of tooSlow) {
    expect(importedHashProblem(hash)).toMatch(/beyond|outside/);
    await expect(verifyImported('anything', hash)).resolves.toBe(false);
  }
  for (const hash of [
    'md5$abc$def',
    '$1$abcdefgh$abcdefghijklmnopqrstuv',
    'plaintext',
    '$argon2d$v=19$m=1024,t=2,p=1$a$b',
  ]) {
    expect(importedHashProblem(hash)).toMatch(/not a bcrypt/);
    await expect(checker.check('plaintext', hash)).resolves.toBe(false);
  }
});

test('the PHC form of PBKDF2 (i=, l=) reads as passlib writes it', async () => {
  const passlib = fixtures.find((f) => f.scheme === 'pbkdf2-sha256')!;
  const [, , rounds, salt, digest] = passlib.hash.split('$');
  const phc = `$pbkdf2-sha256$i=${rounds},l=32$${salt}$${digest}`;
  await expect(verifyImported(passlib.password, phc)).resolves.toBe(true);
});

describe('UNKNOWN_USER_HASH: an unknown name costs what the slowest imported scheme does', () => {
  /** The real verifiers, each check recorded: which hash was checked, and what it answered. */
  function recording() {
    const checked: { hash: string; ok: boolean }[] = [];
    const imported: ImportedHashes = {
      ...importedHashes,
      verify: async (password, hash) => {
        const ok = await importedHashes.verify(password, hash);
        checked.push({ hash, ok });
        return ok;
      },
    };
    return { checked, imported };
  }
  const argon = fixtures.find((f) => f.scheme === 'argon2id')!;
  const header = schemeHeaderOf(argon.hash)!;

  test("each fixture's header makes a dummy of the same scheme and work that no password matches", async () => {
    for (const { hash, password } of fixtures.filter((f) => importedSchemeOf(f.hash))) {
      const dummy = dummyHashFor(schemeHeaderOf(hash)!)!;
      expect([hash, schemeHeaderOf(dummy)]).toEqual([hash, schemeHeaderOf(hash)]);
      expect(importedHashProblem(dummy)).toBeUndefined();
      await expect(verifyImported(password, dummy)).resolves.toBe(false);
    }
    expect(dummyHashFor(header)).not.toBe(dummyHashFor(header)); // a salt of its own each time
  });

  test('an unknown user or an over-long password is checked against that scheme; bcrypt as before', async () => {
    const { checked, imported } = recording();
    const checker = new PasswordChecker(4, imported, header);
    await expect(checker.check(argon.password, undefined)).resolves.toBe(false);
    await expect(checker.check('x'.repeat(73), argon.hash)).resolves.toBe(false);
    expect(checked.map((c) => [schemeHeaderOf(c.hash), c.ok])).toEqual([
      [header, false],
      [header, false],
    ]);
    expect(checked[0].hash).not.toBe(argon.hash);
    const bcryptUser = fixtures.find((f) => f.hash.startsWith('$2'))!;
    await expect(checker.check(bcryptUser.password, bcryptUser.hash)).resolves.toBe(true);
    await expect(checker.check(argon.password, argon.hash)).resolves.toBe(true);
    expect(checked).toHaveLength(3);
  });

  test('without it, or outside the login functions (no verifiers), the bcrypt dummy as before', async () => {
    const { checked, imported } = recording();
    await expect(new PasswordChecker(4, imported).check('anything', undefined)).resolves.toBe(false);
    await expect(new PasswordChecker(4, undefined, header).check('anything', undefined)).resolves.toBe(false);
    expect(checked).toEqual([]);
  });

  test('a header that is none, or beyond the limits, is refused (at load, and at synth)', () => {
    for (const bad of ['argon2id', '$argon2d$v=19$m=1024,t=2,p=1', '$2b$10', '$scrypt$ln=16', 'pbkdf2_sha256$x'])
      expect(() => unknownUserHashFrom({ UNKNOWN_USER_HASH: bad })).toThrow(/UNKNOWN_USER_HASH must be/);
    expect(unknownUserHashFrom({ UNKNOWN_USER_HASH: ` ${header} ` })).toBe(header);
    expect(unknownUserHashFrom({})).toBeUndefined();
    expect(dummyHashFor('$argon2id$v=19$m=4194304,t=2,p=1')).toBeUndefined();
    expect(dummyHashFor('$scrypt$ln=25,r=8,p=1')).toBeUndefined();
  });
});
