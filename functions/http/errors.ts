import type { MiddlewareObj } from '@middy/core';
import { DomainError, type DomainErrorCode, MfaRequired, ServiceUnavailableError } from '../core/errors';
import { dependencyUnavailable, logger } from './logger';
import { json } from './response';
import type { HttpEvent, HttpResult } from './types';

/** A 422 entry in FastAPI's validation-error shape. Never carries the input: it may be a password. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  ctx?: Record<string, unknown>;
}

/** An answer decided by the HTTP layer itself (parsing, CSRF, routing); `detail` is sent as is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | ValidationIssue[],
    readonly headers: Record<string, string> = {},
    /** Members beside `detail` (the MFA step's `mfa_token`, ...). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Validation error');
    this.name = 'HttpError';
  }
}

/** 422 with one entry per problem. */
export const validationFailed = (issues: ValidationIssue[]) => new HttpError(422, issues);
/** 403 for a cookie route called from a foreign origin (CSRF). */
export const originNotAllowed = () => new HttpError(403, 'Origin not allowed');

const bearer = { 'WWW-Authenticate': 'Bearer' };
/**
 * A token was presented and refused: RFC 6750 §3.1's `error="invalid_token"` tells a client to get a new
 * one (log in again) rather than retry. The body stays FastAPI's. A request with no token gets the
 * bare challenge, as §3.1 asks.
 */
const invalidToken = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

/**
 * The FastAPI-shaped answer (`{"detail": ...}`) of each domain error, as docs/http-contract.md
 * ("Errors") lists them. The 401 texts differ by what was presented, as in FastAPI's tutorial.
 */
const FASTAPI: Record<DomainErrorCode, (e: DomainError) => HttpError> = {
  bad_credentials: () => new HttpError(401, 'Incorrect username or password', bearer),
  login_locked: (e) =>
    new HttpError(429, 'Too many failed login attempts', { 'Retry-After': String(e.retryAfterSeconds ?? 1) }),
  invalid_refresh_token: () => new HttpError(401, 'Invalid refresh token'),
  not_authenticated: () => new HttpError(401, 'Not authenticated', bearer),
  invalid_token: () => new HttpError(401, 'Could not validate credentials', invalidToken),
  inactive_user: () => new HttpError(400, 'Inactive user', bearer),
  incorrect_password: () => new HttpError(401, 'Incorrect password'),
  session_not_found: () => new HttpError(404, 'Session not found'),
  // User admin happens in the CLI, never over HTTP; should one reach here it is a plain 400.
  user_exists: (e) => new HttpError(400, e.message),
  user_not_found: (e) => new HttpError(400, e.message),
  // A field named: a route's refusal of a new username (sign-up), in FastAPI's 422 shape.
  invalid_username: (e) =>
    e.field
      ? new HttpError(422, [{ type: 'value_error', loc: ['body', e.field], msg: `Value error, ${e.message}` }])
      : new HttpError(400, e.message),
  // A new password the policy refuses: a 422 on new_password whose msg says why.
  invalid_password: (e) =>
    new HttpError(422, [
      { type: 'value_error', loc: ['body', e.field ?? 'new_password'], msg: `Value error, ${e.message}` },
    ]),
  email_not_verified: () => new HttpError(403, 'Email not verified'),
  invalid_one_time_token: () => new HttpError(400, 'Invalid or expired token'),
  username_taken: () => new HttpError(409, 'Username already registered'),
  too_many_requests: (e) =>
    new HttpError(429, 'Too many requests', { 'Retry-After': String(e.retryAfterSeconds ?? 1) }),
  // A right first factor: a 403 like "Email not verified" (no session yet), told apart by `mfa_token`.
  mfa_required: (e) => new HttpError(403, 'MFA required', {}, mfaMembers(e)),
  invalid_mfa_token: () => new HttpError(401, 'Invalid or expired MFA token'),
  invalid_code: () => new HttpError(401, 'Invalid code'),
  invalid_setup_code: () => new HttpError(400, 'Invalid code'),
  client_not_allowed: () => new HttpError(403, 'Not allowed for this client'),
  recent_auth_required: () => new HttpError(403, 'Recent authentication required: log in again'),
  totp_already_enabled: () => new HttpError(409, 'TOTP already enabled'),
  totp_not_enabled: () => new HttpError(409, 'TOTP not enabled'),
  no_totp_setup: () => new HttpError(400, 'No TOTP setup in progress'),
  invalid_challenge: () => new HttpError(400, 'Invalid or expired challenge'),
  passkey_registration_failed: () => new HttpError(400, 'Passkey verification failed'),
  passkey_exists: () => new HttpError(409, 'Passkey already registered'),
  too_many_passkeys: () => new HttpError(409, 'Too many passkeys'),
  unknown_passkey: () => new HttpError(401, 'Unknown passkey'),
  passkey_login_failed: () => new HttpError(401, 'Passkey verification failed'),
  passkey_not_found: () => new HttpError(404, 'Passkey not found'),
};

/** The challenge's members, as both wire forms carry them (docs/mfa.md "Logging in when MFA is on"). */
export function mfaMembers(e: DomainError): Record<string, unknown> {
  if (!(e instanceof MfaRequired)) return {};
  const { mfaToken, methods, expiresIn } = e.challenge;
  return { mfa_token: mfaToken, mfa_methods: methods, expires_in: expiresIn };
}

/** Maps any thrown error to the contract's JSON answer; the only place errors become HTTP. */
export function errorResponse(err: unknown): HttpResult {
  const known = err instanceof DomainError ? FASTAPI[err.code](err) : err;
  if (known instanceof HttpError)
    return json(known.status, { detail: known.detail, ...known.extra }, { headers: known.headers });
  if (err instanceof ServiceUnavailableError) {
    dependencyUnavailable(err);
    return json(503, { detail: 'Service unavailable' });
  }
  const e = err as { name?: string; message?: string; stack?: string };
  logger.error('unhandled_error', { errorName: e?.name, errorMessage: e?.message, stack: e?.stack });
  return json(500, { detail: 'Internal server error' });
}

/**
 * middy's @middy/http-error-handler answers with a plain-text body and only for errors carrying
 * `statusCode`; the contract needs `{"detail": ...}` JSON and a fixed 503/500 vocabulary, so we
 * keep this small onError of our own.
 */
export const httpErrors = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error);
  },
});
