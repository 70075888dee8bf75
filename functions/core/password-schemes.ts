import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
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

/** The login functions' verifier of imported hashes (PasswordChecker's `imported`). */
export const importedHashes: ImportedHashes = {
  recognises: (hash) => importedSchemeOf(hash) !== undefined,
  verify: (password, hash) => verifyImported(password, hash),
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
