import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  importedHashProblem,
  importedHashes,
  importedSchemeOf,
  verifyImported,
} from '../../functions/core/password-schemes';
import { PasswordChecker } from '../../functions/core/passwords';

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
