/**
 * `npm run bench:hashes`: how long a login's password check takes for each imported scheme at the
 * work factors other systems use by default, beside bcrypt at cost 10 (this API's default, and the
 * dummy compare an unknown username gets), through the login functions' checker (core/passwords.ts
 * with core/password-schemes.ts). Median of 9 checks each, after one to warm up, on this machine.
 */
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { argon2id } from 'hash-wasm';
import { importedHashes, schemeHeaderOf } from '../functions/core/password-schemes';
import { PasswordChecker, hashPassword } from '../functions/core/passwords';

const password = 'correct horse battery staple';
const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

async function hashes(): Promise<[string, string][]> {
  const salt = randomBytes(16);
  const argon = (m: number, t: number, p: number) =>
    argon2id({ password, salt, parallelism: p, iterations: t, memorySize: m, hashLength: 32, outputType: 'encoded' });
  const scrypt = (ln: number) => {
    const key = scryptSync(password, salt, 32, { N: 2 ** ln, r: 8, p: 1, maxmem: 2 ** ln * 2048 });
    return `$scrypt$ln=${ln},r=8,p=1$${b64(salt)}$${b64(key)}`;
  };
  const pbkdf2 = (i: number, text: Buffer | string) => pbkdf2Sync(password, text, i, 32, 'sha256');
  const django = (i: number) => `pbkdf2_sha256$${i}$${salt.toString('hex')}$${b64(pbkdf2(i, salt.toString('hex')))}=`;
  // passlib's "ab64": `.` for `+`.
  const passlib = (i: number) => `$pbkdf2-sha256$${i}$${b64(salt)}$${b64(pbkdf2(i, salt))}`.replace(/\+/g, '.');
  return [
    ['bcrypt, cost 10 (the default here; the dummy compare)', await hashPassword(password, 10)],
    ['bcrypt, cost 12', await hashPassword(password, 12)],
    ['argon2id m=64 MiB t=3 p=4 (argon2-cffi default)', await argon(65536, 3, 4)],
    ['argon2id m=19 MiB t=2 p=1 (OWASP minimum)', await argon(19456, 2, 1)],
    ['scrypt ln=16 r=8 p=1 (passlib default)', scrypt(16)],
    ['PBKDF2-SHA256 29,000 (passlib default)', passlib(29_000)],
    ['PBKDF2-SHA256 870,000 (Django 5.1 default)', django(870_000)],
  ];
}

/** The median of 9 checks after one to warm up, in ms; each check must answer `expected`. */
async function median(check: () => Promise<boolean>, expected: boolean, what: string): Promise<string> {
  await check();
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t = performance.now();
    if ((await check()) !== expected) throw new Error(`${what}: answered ${!expected}`);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[4].toFixed(1);
}

async function main() {
  const checker = new PasswordChecker(10, importedHashes);
  const all = await hashes();
  console.log('a login password check, median of 9 (ms):');
  for (const [name, hash] of all)
    console.log(`  ${name.padEnd(52)} ${await median(() => checker.check(password, hash), true, name)}`);

  // An unknown name against a user not yet moved off the slowest scheme, without and with UNKNOWN_USER_HASH.
  const [name, slowest] = all.find(([n]) => n.includes('argon2-cffi'))!;
  const header = schemeHeaderOf(slowest)!;
  const equalized = new PasswordChecker(10, importedHashes, header);
  console.log(`an unknown name beside a wrong password for ${name}, median of 9 (ms):`);
  for (const [label, c] of [
    ['BCRYPT_COST 10 alone (the bcrypt dummy)', checker],
    [`UNKNOWN_USER_HASH=${header}`, equalized],
  ] as const) {
    const unknown = await median(() => c.check(password, undefined), false, label);
    const wrong = await median(() => c.check('a wrong password', slowest), false, label);
    console.log(`  ${label.padEnd(52)} unknown ${unknown}, wrong password ${wrong}`);
  }
}

main().catch((err) => {
  console.error(`bench:hashes failed: ${err.stack ?? err}`);
  process.exit(1);
});
