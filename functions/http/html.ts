import { createHash } from 'node:crypto';
import type { HttpResult } from './types';

/** Every value put into a page goes through this: the five characters HTML gives meaning to. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A CSP source for one inline element's exact text (CSP Level 2 hashes). */
export const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The form-action source of a redirect URI (browsers apply form-action to the redirect that ends a
 * form post): its origin, or its scheme for a private-use one (`com.example.app:`).
 */
export function formTarget(redirectUri: string | undefined): string {
  if (!redirectUri) return '';
  try {
    const url = new URL(redirectUri);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  } catch {
    return '';
  }
}

/**
 * A hosted page (docs/authorization-server.md "Hosted pages"): no cache, no framing, no referrer, no
 * sniffing, and a CSP that allows the page's one inline script and one inline style by hash and
 * nothing else inline.
 */
export function htmlPage(
  statusCode: number,
  body: string,
  {
    script,
    style,
    redirectUri,
    cookies,
    headers,
  }: {
    script: string;
    style: string;
    redirectUri?: string;
    cookies?: string[];
    headers?: Record<string, string>;
  },
): HttpResult {
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(script)}`,
    `style-src ${cspHash(style)}`,
    "img-src 'self'",
    "connect-src 'self'",
    `form-action 'self'${formTarget(redirectUri) ? ` ${formTarget(redirectUri)}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return {
    statusCode,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': csp,
      ...headers,
    },
    body,
    ...(cookies?.length ? { cookies } : {}),
  };
}

/** A 303 (never 307: RFC 9700 §4.12) to `location`, with no body worth caching or leaking. */
export function seeOther(location: string, cookies: string[] = []): HttpResult {
  return {
    statusCode: 303,
    headers: { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
    body: '',
    ...(cookies.length ? { cookies } : {}),
  };
}
