import { originNotAllowed } from './errors';
import { header } from './request';
import type { HttpEvent } from './types';

/**
 * The API's own origin as the browser sees it (API Gateway sets Host and X-Forwarded-Proto; so does the dev server).
 */
export function ownOrigin(event: HttpEvent): string {
  const host = header(event, 'host') ?? event.requestContext?.domainName;
  return `${header(event, 'x-forwarded-proto') ?? 'https'}://${host}`.toLowerCase();
}

/**
 * CSRF defence for the routes a cookie authenticates (refresh, logout, logout-all) and for the login,
 * which sets that cookie (login CSRF would plant the attacker's session in the victim's browser): a browser
 * request from a foreign page carries that page's Origin (or Sec-Fetch-Site: cross-site), so it is
 * refused unless the origin is the API's own or listed in ALLOWED_ORIGINS. No Origin at all
 * (curl, servers) is fine: they cannot ride a victim's cookie.
 */
export function assertOriginAllowed(event: HttpEvent, allowedOrigins: readonly string[]): void {
  const origin = header(event, 'origin')?.toLowerCase();
  const listed = origin !== undefined && allowedOrigins.some((o) => o.toLowerCase() === origin);
  if (origin !== undefined && !listed && origin !== ownOrigin(event)) throw originNotAllowed();
  if (header(event, 'sec-fetch-site')?.toLowerCase() === 'cross-site' && !listed) throw originNotAllowed();
}
