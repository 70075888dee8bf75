import middy, { type MiddlewareObj } from '@middy/core';
import { DomainError, type DomainErrorCode, ServiceUnavailableError } from '../core/errors';
import { HttpError, errorResponse, mfaMembers } from './errors';
import { withMetrics } from './metrics';
import { withTracing } from './tracing';
import { bodyText, header } from './request';
import { OAuthRuleError } from '../core/oauth-rules';
import type { ClientCredentials } from '../core/client-registry';
import { json } from './response';
import type { HttpEvent, HttpResult } from './types';

/**
 * The OAuth 2.0 wire format of the same rules (docs/http-contract.md "OAuth 2.0 endpoints"): errors
 * are RFC 6749 §5.2 `{"error", "error_description"}`, never with a Bearer `WWW-Authenticate` (client
 * libraries read that as a bearer challenge and lose the error code); `invalid_client` alone carries
 * `WWW-Authenticate: Basic`, as §5.2 asks. The domain is shared with the FastAPI-style routes; only
 * this mapping differs.
 */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);

/** The parameters these endpoints know: the only request text an error may name. */
const KNOWN_PARAMETERS = new Set([
  'grant_type',
  'username',
  'password',
  'scope',
  'refresh_token',
  'client_id',
  'token',
  'token_type_hint',
  'mfa_token',
  'otp',
  'recovery_code',
  'credential',
  'client_secret',
  'code',
  'redirect_uri',
  'code_verifier',
  'resource',
]);

/**
 * RFC 6749 §5.2: `error_description` holds %x20-21 / %x23-5B / %x5D-7E only (no `"`, no `\`, nothing
 * outside printable ASCII). The descriptions are ours and never echo input; this is the guarantee.
 */
const describable = (text: string) => text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');

/** Token responses and their errors must not be cached (RFC 6749 §5.1). */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const invalidGrant = (description: string) => () => new OAuthError(400, 'invalid_grant', description);

/** Each domain error in OAuth terms. Codes these endpoints never produce map to `invalid_request`. */
const OAUTH: Record<DomainErrorCode, (e: DomainError) => OAuthError> = {
  bad_credentials: invalidGrant('Incorrect username or password'),
  invalid_refresh_token: invalidGrant('Invalid refresh token'),
  login_locked: (e) =>
    new OAuthError(429, 'slow_down', 'Too many failed login attempts', {
      'Retry-After': String(e.retryAfterSeconds ?? 1),
    }),
  not_authenticated: () => invalidRequest('Not authenticated'),
  invalid_token: invalidGrant('Invalid token'),
  inactive_user: invalidGrant('Inactive user'),
  incorrect_password: invalidGrant('Incorrect password'),
  session_not_found: () => invalidRequest('Session not found'),
  user_exists: () => invalidRequest('User exists'),
  user_not_found: () => invalidRequest('No such user'),
  invalid_username: (e) => invalidRequest(e.message),
  invalid_password: (e) => invalidRequest(e.message),
  // A correct password of an unverified user: the grant is refused, saying why (RFC 6749 §5.2).
  email_not_verified: invalidGrant('Email not verified'),
  invalid_one_time_token: () => invalidRequest('Invalid or expired token'),
  username_taken: (e) => invalidRequest(e.message),
  too_many_requests: (e) =>
    new OAuthError(429, 'slow_down', 'Too many requests', { 'Retry-After': String(e.retryAfterSeconds ?? 1) }),
  // Auth0's members and status for the same step (docs/mfa.md "Logging in when MFA is on").
  mfa_required: (e) => new OAuthError(403, 'mfa_required', 'Multi-factor authentication required', {}, mfaMembers(e)),
  invalid_mfa_token: invalidGrant('Invalid or expired MFA token'),
  invalid_code: invalidGrant('Invalid code'),
  invalid_setup_code: invalidGrant('Invalid code'),
  recent_auth_required: () => invalidRequest('Recent authentication required'),
  totp_already_enabled: () => invalidRequest('TOTP already enabled'),
  totp_not_enabled: () => invalidRequest('TOTP not enabled'),
  no_totp_setup: () => invalidRequest('No TOTP setup in progress'),
  // The passkey grant, with the cookie route's descriptions (docs/passkeys.md).
  invalid_challenge: invalidGrant('Invalid or expired challenge'),
  passkey_registration_failed: () => invalidRequest('Passkey verification failed'),
  passkey_exists: () => invalidRequest('Passkey already registered'),
  too_many_passkeys: () => invalidRequest('Too many passkeys'),
  unknown_passkey: invalidGrant('Unknown passkey'),
  passkey_login_failed: invalidGrant('Passkey verification failed'),
  passkey_not_found: () => invalidRequest('Passkey not found'),
  client_not_allowed: () => new OAuthError(403, 'invalid_request', 'Not allowed for this client'),
};

/** Any thrown error as an OAuth answer; what is not an OAuth or domain error goes through the one shared mapping. */
export function oauthErrorResponse(err: unknown): HttpResult {
  let known: OAuthError | undefined;
  if (err instanceof OAuthError) known = err;
  else if (err instanceof OAuthRuleError) known = fromRule(err);
  else if (err instanceof DomainError) known = OAUTH[err.code](err);
  else if (err instanceof HttpError && typeof err.detail === 'string')
    known = new OAuthError(err.status === 413 ? 400 : err.status, 'invalid_request', err.detail);
  if (known) {
    const body = { error: known.error, error_description: describable(known.description), ...known.extra };
    return json(known.status, body, { headers: { ...NO_STORE, ...known.headers } });
  }
  // Store outages and bugs: logged by the shared mapping, answered in OAuth terms.
  const shared = errorResponse(err);
  const error = err instanceof ServiceUnavailableError ? 'temporarily_unavailable' : 'server_error';
  const description = JSON.parse(String(shared.body)).detail as string;
  return json(shared.statusCode, { error, error_description: description }, { headers: NO_STORE });
}

/** A client-registry or scope refusal: invalid_client is RFC 6749 §5.2's 401, with the Basic challenge after Basic. */
function fromRule(err: OAuthRuleError): OAuthError {
  if (err.error === 'invalid_client')
    return new OAuthError(
      401,
      err.error,
      err.description,
      err.basic ? { 'WWW-Authenticate': 'Basic realm="oauth2"' } : {},
    );
  if (err.error === 'slow_down')
    return new OAuthError(429, err.error, err.description, { 'Retry-After': String(err.retryAfterSeconds ?? 1) });
  return new OAuthError(400, err.error, err.description);
}

/** Wraps an OAuth endpoint's core in middy with the OAuth error mapping. */
export const oauthHandler = (core: (event: HttpEvent) => Promise<HttpResult>) =>
  withTracing(
    withMetrics(
      middy<HttpEvent, HttpResult>()
        .use({
          onError: async (request) => {
            request.response = oauthErrorResponse(request.error);
          },
        } satisfies MiddlewareObj<HttpEvent, HttpResult>)
        .handler(core),
    ),
  );

/** A JSON answer with the no-store headers of token responses. */
export const oauthJson = (status: number, body: unknown) => json(status, body, { headers: NO_STORE });

/**
 * The parameters of an OAuth request: a form body only (RFC 6749 §3.2), each parameter at most once,
 * within the body limit; and the client's credentials (RFC 6749 §2.3.1): HTTP Basic
 * (`client_secret_basic`; public clients send `client_id:` with an empty secret) or `client_id` and
 * `client_secret` in the body (`client_secret_post`), never both ways at once. A Basic id must agree
 * with a body `client_id`. Whether they are right is the registry's question (core/client-registry.ts).
 */
export function parseOAuthForm(event: HttpEvent): { params: Map<string, string>; credentials: ClientCredentials } {
  const type = header(event, 'content-type')?.split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw invalidRequest('the body must be application/x-www-form-urlencoded');
  // bodyText's 413 becomes invalid_request in oauthErrorResponse.
  const params = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(bodyText(event))) {
    // An empty copy counts: `grant_type=&grant_type=password` names the parameter twice.
    if (seen.has(name))
      throw invalidRequest(KNOWN_PARAMETERS.has(name) ? `parameter ${name} is repeated` : 'a parameter is repeated');
    seen.add(name);
    if (value !== '') params.set(name, value);
  }
  const basic = basicCredentials(header(event, 'authorization'));
  const body = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (basic?.secret && bodySecret !== undefined)
    throw invalidRequest('client authentication must use one method: HTTP Basic or client_secret, not both');
  if (basic !== undefined && body !== undefined && basic.clientId !== body)
    throw invalidRequest('client_id differs between the body and the Authorization header');
  if (bodySecret !== undefined && body === undefined) throw invalidRequest('client_secret needs client_id');
  const clientId = body ?? basic?.clientId;
  if (clientId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(clientId))
    throw invalidRequest('client_id must be 1 to 128 visible ASCII characters');
  const credentials: ClientCredentials = basic?.secret
    ? { clientId, secret: basic.secret, method: 'basic' }
    : bodySecret !== undefined
      ? { clientId, secret: bodySecret, method: 'post' }
      : { clientId, method: basic ? 'basic' : 'none' };
  return { params, credentials };
}

/** The client id and secret of `Authorization: Basic base64(client_id:secret)` (form-encoded per RFC 6749 §2.3.1). */
function basicCredentials(value: string | undefined): { clientId: string; secret: string } | undefined {
  const encoded = value?.match(/^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i)?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
  try {
    if (colon < 0) return { clientId: formDecode(decoded), secret: '' };
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidRequest('malformed Basic credentials');
  }
}

/** The one value of a required parameter, or `invalid_request` naming it. */
export function required(params: Map<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined) throw invalidRequest(`missing parameter: ${name}`);
  return value;
}
