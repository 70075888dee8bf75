/**
 * Typed errors of the domain. Each carries the HTTP status and the exact `detail` CONTRACT.md
 * prescribes; functions/http/errors.ts maps them to responses in one place.
 */

/** A 422 entry in FastAPI's validation-error shape. Never carries the input: it may be a password. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  ctx?: Record<string, unknown>;
}

/** An error the client caused or must be told about; `detail` is sent as is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | ValidationIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Validation error');
    this.name = 'HttpError';
  }
}

const bearer = { 'WWW-Authenticate': 'Bearer' };

/** 401 for a failed login: identical for every cause so it reveals nothing. */
export const badCredentials = () => new HttpError(401, 'Incorrect username or password', bearer);
/** 401 for any refresh-token failure. */
export const invalidRefreshToken = () => new HttpError(401, 'Invalid refresh token');
/** 401 when a protected route gets no bearer token. */
export const notAuthenticated = () => new HttpError(401, 'Not authenticated', bearer);
/** 401 for an access token that is invalid or whose session has ended. */
export const invalidCredentials = () => new HttpError(401, 'Could not validate credentials', bearer);
/** 400 for a disabled user whose token reached a protected route. */
export const inactiveUser = () => new HttpError(400, 'Inactive user', bearer);
/** 429 while a username or source IP is locked out; the password was not checked. */
export const tooManyAttempts = (retryAfterSeconds: number) =>
  new HttpError(429, 'Too many failed login attempts', { 'Retry-After': String(retryAfterSeconds) });
/** 404 for a session id that is not a live session of the caller (whoever else it may belong to). */
export const sessionNotFound = () => new HttpError(404, 'Session not found');
/** 403 for a cookie route called from a foreign origin (CSRF). */
export const originNotAllowed = () => new HttpError(403, 'Origin not allowed');
/** 422 with one entry per problem. */
export const validationFailed = (issues: ValidationIssue[]) => new HttpError(422, issues);

/** The store (or the secret store) could not be reached or failed: the request did not take effect. */
export class ServiceUnavailableError extends Error {
  constructor(readonly dependency: 'store' | 'secret', options?: { cause?: unknown }) {
    super(`${dependency} unavailable`, options);
    this.name = 'ServiceUnavailableError';
  }
}

/** A configuration problem found at init: the message says which variable and why. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(`Configuration error: ${message}`);
    this.name = 'ConfigError';
  }
}
