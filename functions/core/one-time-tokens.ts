import { createHash, randomBytes } from 'node:crypto';

/** What a one-time token lets its holder do (docs/http-contract.md "Passwords and accounts"). */
export type OneTimeTokenKind = 'password_reset' | 'email_verify';

/** How long each kind lives: a reset link 30 minutes, a verification link 24 hours. */
export const ONE_TIME_TOKEN_SECONDS: Record<OneTimeTokenKind, number> = {
  password_reset: 30 * 60,
  email_verify: 24 * 60 * 60,
};

/** 32 random bytes as base64url: 256 bits (the contract asks for at least 128), 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * A new token and the SHA-256 that is all the table keeps: someone who reads the table (a backup, a
 * leaked export) cannot use what they read. No salt or slow hash is needed, since the token is random
 * and long: nothing to guess.
 */
export function newOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256(token) };
}

/** The stored hash of a presented token; undefined for anything we could never have issued (no table read). */
export function oneTimeTokenHash(token: string): string | undefined {
  return TOKEN_PATTERN.test(token) ? sha256(token) : undefined;
}
