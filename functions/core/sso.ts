import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionRecord } from './ports';
import { isId } from './tokens';

/**
 * SSO sessions (docs/authorization-server.md "SSO"): a hosted-page login's browser session, a session
 * item of kind `sso` whose browser holds `<sid>.<secret>` (256 random bits; only the secret's SHA-256 is
 * stored, so a leaked table cannot be replayed as a cookie).
 */
export function newSsoSecret(): { secret: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, secretHash: secretHashOf(secret) };
}

const secretHashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('base64url');

export const ssoCookieValue = (sid: string, secret: string) => `${sid}.${secret}`;

/** The cookie's session id and secret, or undefined for anything malformed (nothing is then read). */
export function parseSsoCookie(value: string | undefined): { sid: string; secret: string } | undefined {
  const match = value?.match(/^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/);
  if (!match || !isId(match[1])) return undefined;
  return { sid: match[1], secret: match[2] };
}

/** Whether the session is an SSO session whose secret this is (compared in constant time). */
export function ssoSecretMatches(session: SessionRecord | undefined, secret: string): boolean {
  if (session?.kind !== 'sso' || !session.ssoHash) return false;
  const presented = Buffer.from(secretHashOf(secret));
  const stored = Buffer.from(session.ssoHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** The browser binding of a pending authorization: the `authz` cookie (128 random bits) and its hash. */
export const newBrowserBinding = () => randomBytes(16).toString('base64url');
export const browserHashOf = (cookie: string) => createHash('sha256').update(cookie, 'utf8').digest('base64url');
export const isBrowserBinding = (value: string | undefined): value is string =>
  value !== undefined && /^[A-Za-z0-9_-]{22}$/.test(value);
