import type { Config } from '../core/config';
import { DomainError } from '../core/errors';
import type { HttpEvent } from './types';

/** The value of a request cookie (HTTP API puts request cookies in `event.cookies`, one `name=value` each). */
export function readCookie(event: HttpEvent, name: string): string | undefined {
  for (const entry of event.cookies ?? []) {
    // A browser may fold several cookies into one entry; split defensively.
    for (const part of entry.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) {
        const value = part.slice(eq + 1).trim();
        return value.length > 0 ? value : undefined;
      }
    }
  }
  return undefined;
}

/**
 * The refresh token of a cookie route's request. A request carrying the cookie twice is refused
 * (401, nothing ended): a sibling subdomain can toss a cookie of the same name that would otherwise
 * be read in place of ours (docs/http-contract.md "Sessions").
 */
export function refreshTokenCookie(event: HttpEvent, cookie: Config['cookie']): string | undefined {
  const named = (event.cookies ?? [])
    .flatMap((entry) => entry.split(';'))
    .filter((part) => part.slice(0, Math.max(part.indexOf('='), 0)).trim() === cookie.name);
  if (named.length > 1) throw new DomainError('invalid_refresh_token');
  return readCookie(event, cookie.name);
}

function attributes(cookie: Config['cookie'], maxAge: number): string {
  const secure = cookie.secure ? '; Secure' : '';
  return `HttpOnly; Max-Age=${maxAge}; Path=${cookie.path}; SameSite=${cookie.sameSite}${secure}`;
}

/** Set-Cookie value carrying a refresh token. */
export const refreshCookie = (cookie: Config['cookie'], token: string, maxAge: number) =>
  `${cookie.name}=${token}; ${attributes(cookie, maxAge)}`;

/** Set-Cookie value that clears the refresh token (same Path and SameSite, so the browser matches it). */
export const clearRefreshCookie = (cookie: Config['cookie']) => `${cookie.name}=; ${attributes(cookie, 0)}`;
