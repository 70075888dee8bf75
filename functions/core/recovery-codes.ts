import { randomBytes, randomInt, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Recovery codes (docs/mfa.md "Recovery codes"): ten per user, `DXXX-XXXX-XXXX`, where `D` is the
 * code's slot (0-9) and the eleven characters after it are Crockford base32, 55 random bits. Shown
 * once; each stored per slot as scrypt (N 2^14, r 8, p 1, a 16-byte salt), as NIST SP 800-63B
 * §5.1.2.2 asks of a secret below 112 bits, so checking one costs one scrypt, not ten.
 */
export const RECOVERY_CODE_COUNT = 10;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARACTERS = 11;
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: typeof SCRYPT,
) => Promise<Buffer>;

/** A recovery code the user typed, in its one form: slot digit and eleven characters, no separators. */
export interface RecoveryCode {
  slot: number;
  /** The whole normalised code (slot included): what is hashed. */
  normalised: string;
}

/**
 * Reads what a user typed: case-insensitive, hyphens and spaces ignored, O read as 0, I and L as 1
 * (Crockford's rules). Undefined when it cannot be a code: refused before the table is touched.
 */
export function parseRecoveryCode(input: unknown): RecoveryCode | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const text = input.toUpperCase().replace(/[-\s]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9][0-9A-HJKMNP-TV-Z]{11}$/.test(text)) return undefined;
  return { slot: Number(text[0]), normalised: text };
}

/** Ten new codes, slot 0 to 9, as shown to the user once (`DXXX-XXXX-XXXX`). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, (_, slot) => {
    let body = '';
    for (let i = 0; i < RANDOM_CHARACTERS; i++) body += CROCKFORD[randomInt(CROCKFORD.length)];
    const code = `${slot}${body}`;
    return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
  });
}

/** The stored form of one code: `salt.hash`, both base64url. */
export async function hashRecoveryCode(code: string): Promise<string> {
  const parsed = parseRecoveryCode(code);
  if (!parsed) throw new Error('not a recovery code');
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(parsed.normalised, salt, KEY_BYTES, SCRYPT);
  return `${salt.toString('base64url')}.${hash.toString('base64url')}`;
}

/** The stored hashes of a new set, by slot. */
export async function hashRecoveryCodes(codes: readonly string[]): Promise<Record<string, string>> {
  const hashes = await Promise.all(codes.map(hashRecoveryCode));
  return Object.fromEntries(codes.map((code, i) => [String(parseRecoveryCode(code)!.slot), hashes[i]]));
}

/** Whether `code` is the one `stored` was made from (one scrypt, compared in constant time). */
export async function recoveryCodeMatches(code: RecoveryCode, stored: string | undefined): Promise<boolean> {
  const [salt, hash] = (stored ?? '').split('.');
  // A slot already used still costs one scrypt, so the answer's timing does not say it was used.
  const expected = hash ? Buffer.from(hash, 'base64url') : Buffer.alloc(KEY_BYTES);
  const got = await scrypt(code.normalised, Buffer.from(salt ?? '', 'base64url'), KEY_BYTES, SCRYPT);
  return expected.length === KEY_BYTES && timingSafeEqual(got, expected) && hash !== undefined;
}
