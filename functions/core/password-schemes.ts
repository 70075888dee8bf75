import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { type ImportedHashes, isBcryptHash } from './passwords';

/**
 * Password hashes imported from other systems (docs/importing-users.md): recognised, bounded, and
 * checked with `node:crypto` (scrypt, PBKDF2) or hash-wasm's argon2 (WebAssembly, loaded only when an
 * argon2 hash is first checked). bcrypt stays with bcryptjs in passwords.ts. A right password
 * replaces any of these with bcrypt at BCRYPT_COST (rehash on login), so each is checked at most once
 * per user.
 */
export type ImportedScheme = 'argon2id' | 'argon2i' | 'scrypt' | 'pbkdf2-sha256' | 'django-pbkdf2-sha256';

/** Work factors beyond which an imported hash is refused (a login function has 1769 MB and seconds). */
const LIMITS = { pbkdf2Iterations: 10_000_000, scryptLogN: 20, argon2MemoryKiB: 262_144, argon2Time: 20 };

interface Parsed {
  scheme: ImportedScheme;
  salt: Buffer;
  digest: Buffer;
  /** scrypt: N, r, p; PBKDF2: iterations. */
  params: Record<string, number>;
}

/** PHC's base64 (no padding) and passlib's "ab64" (`.` for `+`). */
const b64 = (text: string) => Buffer.from(text.replace(/\./g, '+'), 'base64');
const B64 = '[A-Za-z0-9+/.]+={0,2}';
const numbers = (text: string) =>
  Object.fromEntries(
    text
      .split(',')
      .map((kv) => kv.split('='))
      .map(([k, v]) => [k, Number(v)]),
  );

function parse(hash: string): Parsed | undefined {
  let m = hash.match(new RegExp(`^\\$(argon2id|argon2i)\\$v=19\\$(m=\\d+,t=\\d+,p=\\d+)\\$(${B64})\\$(${B64})$`));
  if (m) return { scheme: m[1] as ImportedScheme, params: numbers(m[2]), salt: b64(m[3]), digest: b64(m[4]) };
  m = hash.match(new RegExp(`^\\$scrypt\\$(ln=\\d+,r=\\d+,p=\\d+)\\$(${B64})\\$(${B64})$`));
  if (m) return { scheme: 'scrypt', params: numbers(m[1]), salt: b64(m[2]), digest: b64(m[3]) };
  // passlib's `$pbkdf2-sha256$<rounds>$…`, and the PHC form `$pbkdf2-sha256$i=<rounds>[,l=<length>]$…`.
  m = hash.match(new RegExp(`^\\$pbkdf2-sha256\\$(?:i=)?(\\d+)(?:,l=\\d+)?\\$(${B64})\\$(${B64})$`));
  if (m) return { scheme: 'pbkdf2-sha256', params: { i: Number(m[1]) }, salt: b64(m[2]), digest: b64(m[3]) };
  // Django: the salt is text, used as its UTF-8 bytes; the digest is padded base64.
  m = hash.match(new RegExp(`^pbkdf2_sha256\\$(\\d+)\\$([^$]{1,128})\\$(${B64})$`));
  if (m)
    return {
      scheme: 'django-pbkdf2-sha256',
      params: { i: Number(m[1]) },
      salt: Buffer.from(m[2], 'utf8'),
      digest: b64(m[3]),
    };
  return undefined;
}

/** Why an imported hash cannot be used (undefined: it can): an unknown format, or work beyond the limits. */
export function importedHashProblem(hash: string): string | undefined {
  if (isBcryptHash(hash)) return undefined;
  const parsed = parse(hash);
  if (!parsed) return 'not a bcrypt, argon2id, argon2i, scrypt or PBKDF2-SHA256 hash this API reads';
  const { scheme, params, digest, salt } = parsed;
  if (digest.length < 16 || salt.length < 8) return `${scheme}: the salt or the hash is too short`;
  if (scheme === 'scrypt' && (params.ln > LIMITS.scryptLogN || params.r > 32 || params.p > 16))
    return `scrypt: ln=${params.ln},r=${params.r},p=${params.p} is beyond ln=${LIMITS.scryptLogN},r=32,p=16`;
  if (scheme.includes('pbkdf2') && (params.i < 1 || params.i > LIMITS.pbkdf2Iterations))
    return `${scheme}: ${params.i} iterations is outside 1 to ${LIMITS.pbkdf2Iterations}`;
  if (
    scheme.startsWith('argon2') &&
    (params.m > LIMITS.argon2MemoryKiB || params.t > LIMITS.argon2Time || params.p > 16)
  )
    return `${scheme}: m=${params.m},t=${params.t},p=${params.p} is beyond m=${LIMITS.argon2MemoryKiB},t=20,p=16`;
  return undefined;
}

/** The scheme of an imported (non-bcrypt) hash, or undefined. */
export const importedSchemeOf = (hash: string): ImportedScheme | undefined =>
  isBcryptHash(hash) ? undefined : parse(hash)?.scheme;

const derive = (run: (done: (err: Error | null, key: Buffer) => void) => void) =>
  new Promise<Buffer>((resolve, reject) => run((err, key) => (err ? reject(err) : resolve(key))));

/**
 * A hash's scheme and work factors without its salt and digest (`$argon2id$v=19$m=65536,t=3,p=4`,
 * `$scrypt$ln=16,r=8,p=1`, `$pbkdf2-sha256$29000`, `pbkdf2_sha256$870000`): what UNKNOWN_USER_HASH
 * names, and what the import reports. Undefined for bcrypt and for what this API does not read.
 */
export function schemeHeaderOf(hash: string): string | undefined {
  if (!importedSchemeOf(hash)) return undefined;
  return hash.startsWith('pbkdf2_sha256$')
    ? hash.split('$').slice(0, 2).join('$')
    : hash
        .split('$')
        .slice(0, -2)
        .join('$')
        .replace(/^\$pbkdf2-sha256\$i=(\d+)(,l=\d+)?$/, '$pbkdf2-sha256$$$1');
}

/**
 * A hash of `header`'s scheme and work factors that no password matches (a random salt and digest):
 * checked for a username the table does not have, it costs what that scheme costs (UNKNOWN_USER_HASH,
 * docs/importing-users.md "Timing"). Undefined when the header is not one this API reads, or is
 * beyond the limits.
 */
export function dummyHashFor(header: string): string | undefined {
  const salt = randomBytes(16);
  const digest = randomBytes(32);
  const b64NoPad = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  const hash = header.startsWith('pbkdf2_sha256$')
    ? `${header}$${salt.toString('hex')}$${digest.toString('base64')}`
    : `${header}$${b64NoPad(salt)}$${b64NoPad(digest)}`;
  return schemeHeaderOf(hash) === header && importedHashProblem(hash) === undefined ? hash : undefined;
}

/** The login functions' verifier of imported hashes (PasswordChecker's `imported`). */
export const importedHashes: ImportedHashes = {
  recognises: (hash) => importedSchemeOf(hash) !== undefined,
  verify: (password, hash) => verifyImported(password, hash),
  dummyFor: dummyHashFor,
};

/** Whether `password` matches an imported hash (false for anything unreadable or out of bounds). */
export async function verifyImported(password: string, hash: string): Promise<boolean> {
  const parsed = parse(hash);
  if (!parsed || importedHashProblem(hash)) return false;
  const { scheme, params, salt, digest } = parsed;
  const secret = Buffer.from(password, 'utf8');
  let derived: Buffer;
  if (scheme === 'argon2id' || scheme === 'argon2i') {
    const { argon2Verify } = await import('./argon2');
    return argon2Verify({ password: secret, hash });
  }
  if (scheme === 'scrypt') {
    const N = 2 ** params.ln;
    const options = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r };
    derived = await derive((done) => scrypt(secret, salt, digest.length, options, done));
  } else derived = await derive((done) => pbkdf2(secret, salt, params.i, digest.length, 'sha256', done));
  return derived.length === digest.length && timingSafeEqual(derived, digest);
}
