import { type Operation, type Schema, header, jsonBody, object, ref, str } from './parts';

/**
 * The authorization code flow's routes (docs/authorization-server.md): the hosted pages answer
 * `text/html` (every page: no-store, DENY framing, no referrer, a hash-based CSP), redirects are 303.
 */
const html = (description: string, headers: Record<string, unknown> = {}) => ({
  description,
  headers,
  content: { 'text/html': { schema: str } },
});
const seeOther = (description: string) => ({
  description,
  headers: { Location: header('Where the browser goes next') },
});
const PAGE_ERRORS = {
  '400': html(
    'A bad request shown as a page (a missing, unknown or unregistered client or redirect URI; an expired sign-in)',
  ),
  '403': html('Refused as a page: a cross-site or scripted request, or another browser’s sign-in'),
  '500': html('A bug (logged)'),
  '503': html('The store is unreachable: nothing was used up, send the form again'),
};
const form = (properties: Record<string, Schema>, required: string[]) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties, required } } },
});
const authz = { ...str, description: 'The pending authorization the page was made for (hidden field)' };
const continues = {
  '200': html('The next page: the code page (a second factor is due) or the consent page'),
  '303': seeOther('To the client’s redirect URI with `code`, `state` and `iss`; sets the SSO cookie'),
};
const userinfo: Operation = {
  summary: 'OpenID Connect userinfo',
  description:
    'The token in the Authorization header only. `sub`; `name` and `preferred_username` with `profile`; ' +
    '`email` and `email_verified` with `email`. The session must live.',
  security: [{ bearer: [] }],
  responses: {
    '200': jsonBody(
      {
        type: 'object',
        properties: { sub: str, name: str, preferred_username: str, email: str, email_verified: { type: 'boolean' } },
        required: ['sub'],
        additionalProperties: false,
      },
      'The claims the token’s scope grants',
    ),
    '401': jsonBody(ref('BearerError'), '`invalid_token`', {
      'WWW-Authenticate': header('`Bearer error="invalid_token"`'),
    }),
    '403': jsonBody(ref('BearerError'), '`insufficient_scope`: no `openid`', {
      'WWW-Authenticate': header('`Bearer error="insufficient_scope"`'),
    }),
  },
};

export const AUTHORIZATION_OPERATIONS: Record<string, Operation> = {
  'GET /oauth2/authorize': {
    summary: 'OAuth 2.1 authorization endpoint (code, PKCE S256)',
    description:
      'A top-level navigation only. Parameters: `response_type=code`, `client_id`, `redirect_uri`, ' +
      '`code_challenge`, `code_challenge_method=S256`, `state`, `scope`, `nonce`, `prompt`, `max_age`, ' +
      '`login_hint`, `resource`. A bad client or redirect URI is a 400 page; other faults go back to the ' +
      'redirect URI as `error`, `error_description`, `state`, `iss`.',
    responses: {
      '200': html('The login page, or the consent page (SSO holds the user)'),
      '303': seeOther('To the redirect URI: a code (SSO), or an error'),
      ...PAGE_ERRORS,
    },
  },
  'POST /oauth2/login/password': {
    summary: 'Hosted login: username and password',
    requestBody: form({ authz, username: str, password: str }, ['authz']),
    responses: {
      ...continues,
      '401': html('The login page again: incorrect username or password'),
      '429': html('The login page again: locked out (with `Retry-After`)'),
      ...PAGE_ERRORS,
      '403': html('Cross-site or another browser’s sign-in; or the login page again: email not verified'),
    },
  },
  'POST /oauth2/login/mfa': {
    summary: 'Hosted login: the second factor',
    requestBody: form({ authz, mfa_token: str, code: str, recovery_code: str }, ['authz', 'mfa_token']),
    responses: {
      ...continues,
      '401': html('The code page again: invalid code'),
      '429': html('The code page again: locked out (with `Retry-After`)'),
      ...PAGE_ERRORS,
    },
  },
  'POST /oauth2/login/passkey': {
    summary: 'Hosted login: a passkey assertion (set by the page’s script)',
    requestBody: form({ authz, credential: { ...str, description: 'AuthenticationResponseJSON as JSON text' } }, [
      'authz',
    ]),
    responses: {
      ...continues,
      '401': html('The login page again: the passkey was refused'),
      '429': html('The login page again: too many failures from this IP'),
      ...PAGE_ERRORS,
    },
  },
  'POST /oauth2/consent': {
    summary: 'Hosted consent: allow or deny',
    requestBody: form({ authz, decision: { enum: ['allow', 'deny'] } }, ['authz', 'decision']),
    responses: { '303': seeOther('To the redirect URI: `code`, or `error=access_denied`'), ...PAGE_ERRORS },
  },
  'GET /oauth2/logout': {
    summary: 'OpenID Connect RP-initiated logout',
    description:
      'Ends the browser’s SSO session. `client_id` or `id_token_hint` names the client whose registered ' +
      '`post_logout_redirect_uri` may be used (with `state`); else the signed-out page.',
    responses: {
      '200': html('You are signed out'),
      '303': seeOther('To the registered post-logout redirect URI'),
      ...PAGE_ERRORS,
    },
  },
  'POST /oauth2/register': {
    summary: 'Dynamic client registration (RFC 7591)',
    description:
      'Only with DYNAMIC_CLIENT_REGISTRATION=true (else 404). A public, third-party, unverified client; other ' +
      'members are ignored and not echoed. DCR_IP_MAX_PER_HOUR registrations per source IP.',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              redirect_uris: { type: 'array', items: str },
              client_name: { ...str, maxLength: 100 },
              token_endpoint_auth_method: { const: 'none' },
              grant_types: { type: 'array', items: { enum: ['authorization_code', 'refresh_token'] } },
              response_types: { type: 'array', items: { const: 'code' } },
              scope: str,
            },
            required: ['redirect_uris'],
          },
        },
      },
    },
    responses: {
      '201': jsonBody(
        object({
          client_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
          client_id_issued_at: { type: 'integer' },
          client_name: str,
          redirect_uris: { type: 'array', items: str },
          grant_types: { type: 'array', items: str },
          response_types: { type: 'array', items: { const: 'code' } },
          token_endpoint_auth_method: { const: 'none' },
          scope: str,
        }),
        'The client',
      ),
      '400': jsonBody(
        ref('OAuthError'),
        '`invalid_redirect_uri`, `invalid_client_metadata`, `invalid_software_statement`, `invalid_request`',
      ),
      '404': jsonBody(object({ detail: { const: 'Not Found' } }), 'Registration is off: the route does not exist'),
      '429': jsonBody(ref('OAuthError'), '`slow_down`: too many registrations from this IP (with `Retry-After`)', {
        'Retry-After': header('Seconds to wait'),
      }),
      '503': jsonBody(ref('OAuthError'), '`temporarily_unavailable`: nothing was written'),
    },
  },
  'GET /oauth2/userinfo': userinfo,
  'POST /oauth2/userinfo': userinfo,
};

/** RFC 6750 §3's error body. */
export const BEARER_ERROR = object({
  error: { enum: ['invalid_token', 'insufficient_scope'] },
  error_description: str,
});
