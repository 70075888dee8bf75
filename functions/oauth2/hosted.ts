import middy, { type MiddlewareObj } from '@middy/core';
import { PageError } from '../core/authorization-server';
import { ServiceUnavailableError } from '../core/errors';
import { ownOrigin } from '../http/csrf';
import { readCookie } from '../http/cookies';
import { HttpError, errorResponse } from '../http/errors';
import { withMetrics } from '../http/metrics';
import { bodyText, header } from '../http/request';
import { withTracing } from '../http/tracing';
import type { HttpEvent, HttpResult } from '../http/types';
import { errorPage } from './pages';

/**
 * The HTTP side of the hosted pages (docs/authorization-server.md): their two cookies, the checks
 * every form post passes, form bodies, and errors as pages (never JSON, never a redirect).
 */
export const HOSTED_COOKIES = { authz: 'authz', sso: 'sso' } as const;

/** `__Host-` and Secure deployed; both dropped on the plain-HTTP dev server (COOKIE_SECURE=false). */
export const cookieName = (name: keyof typeof HOSTED_COOKIES, secure: boolean) =>
  secure ? `__Host-${HOSTED_COOKIES[name]}` : HOSTED_COOKIES[name];

const flags = (secure: boolean) => `HttpOnly;${secure ? ' Secure;' : ''} SameSite=Lax; Path=/`;

/** The browser binding of pending authorizations: a session cookie (no Max-Age). */
export const authzCookie = (value: string, secure: boolean) =>
  `${cookieName('authz', secure)}=${value}; ${flags(secure)}`;
/** The SSO session's cookie, for its lifetime (Lax: sent on the top-level navigation from the client). */
export const ssoCookie = (value: string, maxAge: number, secure: boolean) =>
  `${cookieName('sso', secure)}=${value}; ${flags(secure)}; Max-Age=${maxAge}`;
export const clearSsoCookie = (secure: boolean) => `${cookieName('sso', secure)}=; ${flags(secure)}; Max-Age=0`;

export const hostedCookies = (event: HttpEvent, secure: boolean) => ({
  authz: readCookie(event, cookieName('authz', secure)),
  sso: readCookie(event, cookieName('sso', secure)),
});

/**
 * GET /oauth2/authorize is a top-level navigation only: a request with `Origin`, or a `Sec-Fetch-Mode`
 * other than `navigate`, is a fetch (CORS must not reach this endpoint, RFC 9700 §2.6).
 */
export function assertNavigation(event: HttpEvent): void {
  const mode = header(event, 'sec-fetch-mode');
  if (header(event, 'origin') !== undefined || (mode !== undefined && mode.toLowerCase() !== 'navigate'))
    throw new PageError(403, 'This page opens only as a navigation, not from a script.');
}

/**
 * A hosted form post: `Origin` must be the API's own (listed front-end origins are not accepted here)
 * and `Sec-Fetch-Site` not `cross-site` (login CSRF: a foreign page cannot complete a sign-in). The
 * pages' `Referrer-Policy: no-referrer` makes browsers send `Origin: null` on their own form posts
 * (Fetch: a POST under no-referrer serializes its origin as null), so `null` is taken only beside
 * `Sec-Fetch-Site: same-origin`, which the browser sets and a page cannot forge.
 */
export function assertSameOriginPost(event: HttpEvent): void {
  const origin = header(event, 'origin')?.toLowerCase();
  const site = header(event, 'sec-fetch-site')?.toLowerCase();
  const sameOrigin = origin === ownOrigin(event) || (origin === 'null' && site === 'same-origin');
  if (!sameOrigin || site === 'cross-site')
    throw new PageError(403, 'This form must be sent from the sign-in page itself.');
}

/** A form body's fields, each at most once (a repeated one is a 400 page). */
export function formFields(event: HttpEvent): Map<string, string> {
  const type = header(event, 'content-type')?.split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new PageError(400, 'The form was not sent as a form.');
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(bodyText(event))) {
    if (fields.has(name)) throw new PageError(400, 'The form names a field more than once.');
    fields.set(name, value);
  }
  return fields;
}

/** Any error as a page: a PageError as itself, an outage as 503, the rest through the shared mapping (logged). */
export function pageFromError(err: unknown): HttpResult {
  if (err instanceof PageError) return errorPage(err.status, err.message);
  if (err instanceof HttpError && typeof err.detail === 'string') return errorPage(400, err.detail);
  const shared = errorResponse(err);
  if (err instanceof ServiceUnavailableError)
    return errorPage(503, 'The service is unavailable for a moment; send the form again.');
  return errorPage(Math.min(shared.statusCode, 500), 'Something went wrong.');
}

/** Wraps a hosted page's core in middy with errors as pages. */
export const hostedHandler = (core: (event: HttpEvent) => Promise<HttpResult>) =>
  withTracing(
    withMetrics(
      middy<HttpEvent, HttpResult>()
        .use({
          onError: async (request) => {
            request.response = pageFromError(request.error);
          },
        } satisfies MiddlewareObj<HttpEvent, HttpResult>)
        .handler(core),
    ),
  );
