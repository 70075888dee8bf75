import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { isTotpCode } from './totp-code';

/**
 * TOTP (RFC 6238) as the contract fixes it: HMAC-SHA-1, 6 digits, 30-second steps, the current step
 * and one either side accepted (§5.2), codes computed by `otpauth` and compared in constant time
 * (docs/mfa.md "TOTP"). Only the functions that set up or check a code import this module, so only
 * they bundle `otpauth` (a bundle test holds it there).
 */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;
/** RFC 4226 §4: a secret of at least 128 bits; 160 (SHA-1's output) recommended. */
export const TOTP_SECRET_BYTES = 20;

/** The step (RFC 6238's T) that `nowMs` falls in. */
export const totpStep = (nowMs: number): number => Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);

/** A new secret: 20 random bytes. */
export const newTotpSecret = (): Buffer => randomBytes(TOTP_SECRET_BYTES);

/** The secret as authenticator apps take it: RFC 4648 base32, no padding. */
export const base32Of = (secret: Uint8Array): string => new Secret({ buffer: copy(secret) }).base32;

/**
 * The `otpauth://` URI of Google Authenticator's key-URI format, in the contract's parameter order:
 * the label `<issuer>:<username>` and the issuer percent-encoded (a username may hold any character).
 */
export function otpauthUri(issuer: string, username: string, secret: Uint8Array): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(username)}`;
  return (
    `otpauth://totp/${label}?secret=${base32Of(secret)}&issuer=${encodeURIComponent(issuer)}` +
    `&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`
  );
}

/** The code for one step. */
export function totpCode(secret: Uint8Array, step: number): string {
  return TOTP.generate({
    secret: new Secret({ buffer: copy(secret) }),
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: step * TOTP_PERIOD_SECONDS * 1000,
  });
}

/**
 * The step whose code `code` is, among the current step and one either side of `nowMs`; undefined
 * when none. Every candidate is computed and compared in constant time, so the answer's timing says
 * nothing about which step (or digit) matched. Whether that step was already used is the replay
 * guard's question (one conditional write, docs/mfa.md "Replay guard").
 */
export function matchingStep(code: string, secret: Uint8Array, nowMs: number): number | undefined {
  if (!isTotpCode(code)) return undefined;
  const given = Buffer.from(code, 'ascii');
  const now = totpStep(nowMs);
  let found: number | undefined;
  // Oldest first, so that a code matching two steps (one in a million) answers with the later one.
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    if (timingSafeEqual(Buffer.from(totpCode(secret, step), 'ascii'), given)) found = step;
  }
  return found;
}

/** otpauth keeps the buffer it is given: hand it a copy it may own. */
const copy = (bytes: Uint8Array): ArrayBuffer => Uint8Array.from(bytes).buffer;
