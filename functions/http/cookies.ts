import type { Config } from '../core/config';
import type { HttpEvent } from './types';

export const REFRESH_COOKIE = 'refresh_token';

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

function attributes(cookie: Config['cookie'], maxAge: number): string {
  const secure = cookie.secure ? '; Secure' : '';
  return `HttpOnly; Max-Age=${maxAge}; Path=${cookie.path}; SameSite=${cookie.sameSite}${secure}`;
}

/** Set-Cookie value carrying a refresh token. */
export const refreshCookie = (cookie: Config['cookie'], token: string, maxAge: number) =>
  `${REFRESH_COOKIE}=${token}; ${attributes(cookie, maxAge)}`;

/** Set-Cookie value that clears the refresh token (same Path and SameSite, so the browser matches it). */
export const clearRefreshCookie = (cookie: Config['cookie']) => `${REFRESH_COOKIE}=; ${attributes(cookie, 0)}`;
