import type { HttpResult } from './types';

const baseHeaders = {
  'Content-Type': 'application/json',
  // Every answer of this API is about credentials or a person: no cache may keep it (RFC 6749 §5.1).
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** A JSON response with the API's standard headers. */
export function json(
  statusCode: number,
  body: unknown,
  extra: { headers?: Record<string, string>; cookies?: string[] } = {},
): HttpResult {
  return {
    statusCode,
    headers: { ...baseHeaders, ...extra.headers },
    body: body === undefined ? '' : JSON.stringify(body),
    ...(extra.cookies ? { cookies: extra.cookies } : {}),
  };
}

/** An empty response (204). */
export function noContent(): HttpResult {
  return { statusCode: 204, headers: { 'Cache-Control': 'no-store' }, body: '' };
}
