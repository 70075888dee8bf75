import { type Operation, ref, str, int, object, jsonBody, header, H } from './parts';

/** Client authentication failed (RFC 6749 §5.2): the Basic challenge only when Basic credentials were sent. */
const invalidClient = jsonBody(
  ref('OAuthError'),
  '`invalid_client`: an unknown client (where unregistered ids are not accepted), a missing or wrong ' +
    'secret, a secret for a public client. `WWW-Authenticate: Basic` when HTTP Basic was used',
  { 'WWW-Authenticate': header('`Basic realm="oauth2"`, after HTTP Basic credentials only', str, false) },
);

/** How clients authenticate at both endpoints (docs/authorization-server.md "Clients"). */
const clientAuth = {
  client_id: str,
  client_secret: { ...str, description: '`client_secret_post`; or send HTTP Basic credentials, never both' },
};

/** The OAuth 2.0 endpoints (RFC 6749 token, RFC 7009 revocation): the session routes in the OAuth wire format. */
export const OAUTH2_OPERATIONS: Record<string, Operation> = {
  'POST /oauth2/token': {
    summary: 'OAuth 2.0 token endpoint (password, refresh_token, client_credentials, MFA and passkey grants)',
    description:
      'For clients that cannot hold a cookie: the refresh token is in the body. RFC 6749 errors. Clients ' +
      'authenticate with HTTP Basic (`client_secret_basic`), `client_secret` in the body, or, public ones, ' +
      '`client_id` alone; `client_credentials` gives a confidential client a token of its own, with no ' +
      'refresh token and no session (docs/authorization-server.md). A password ' +
      'grant for a user with MFA on answers `403 mfa_required` with an `mfa_token`, redeemed by the grant ' +
      '`urn:serverless-auth-api:params:oauth:grant-type:mfa` with `otp` or `recovery_code` (docs/mfa.md). ' +
      'Native apps log in with a passkey by the grant `urn:serverless-auth-api:params:oauth:grant-type:passkey`: ' +
      '`credential` is an AuthenticationResponseJSON as JSON text, signed over a challenge from ' +
      '`POST /auth/passkeys/login/options` (docs/passkeys.md; only where passkeys are configured).',
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            properties: {
              grant_type: {
                enum: [
                  'authorization_code',
                  'password',
                  'refresh_token',
                  'client_credentials',
                  'urn:serverless-auth-api:params:oauth:grant-type:mfa',
                  'urn:serverless-auth-api:params:oauth:grant-type:passkey',
                ],
              },
              username: str,
              password: str,
              refresh_token: str,
              mfa_token: str,
              otp: { type: 'string', pattern: '^[0-9]{6}$' },
              recovery_code: str,
              credential: { ...str, description: 'the passkey grant: an AuthenticationResponseJSON as JSON text' },
              ...clientAuth,
              code: { ...str, description: 'authorization_code: the code from the redirect' },
              redirect_uri: { ...str, description: 'authorization_code: the one the authorization request named' },
              code_verifier: { ...str, description: 'authorization_code: the PKCE verifier (43 to 128 characters)' },
              scope: {
                ...str,
                description: 'space-separated; each must be declared and allowed to the client, else `invalid_scope`',
              },
              resource: { ...str, description: 'RFC 8707: only this API (TOKEN_AUDIENCE), else `invalid_target`' },
            },
            required: ['grant_type'],
          },
        },
      },
    },
    responses: {
      '200': jsonBody(
        object(
          {
            access_token: str,
            token_type: { const: 'Bearer' },
            expires_in: int,
            refresh_token: { ...str, description: 'absent for client_credentials (RFC 6749 §4.4.3)' },
            // The granted set, possibly empty (RFC 6749 §5.1).
            scope: str,
            id_token: { ...str, description: 'the code grant and its refreshes, when `openid` is granted' },
          },
          ['access_token', 'token_type', 'expires_in', 'scope'],
        ),
        'Tokens (no cookie)',
        { ...H.noStore, Pragma: header('`no-cache`', { const: 'no-cache' }) },
      ),
      '400': jsonBody(
        ref('OAuthError'),
        '`invalid_grant`, `invalid_request`, `unsupported_grant_type`, `unauthorized_client` (a grant the ' +
          'client lacks), `invalid_scope` (a scope not declared or not allowed), `invalid_target`',
      ),
      '401': invalidClient,
      '403': jsonBody(
        { oneOf: [ref('OAuthError'), ref('OAuthMfaRequired')] },
        'A foreign Origin: `invalid_request`; or `mfa_required` (a right password or a passkey without user ' +
          'verification, MFA on: redeem `mfa_token`)',
      ),
      '429': {
        description: 'Locked out: `slow_down`; or API Gateway throttling',
        content: { 'application/json': { schema: { oneOf: [ref('OAuthError'), ref('GatewayMessage')] } } },
      },
      '503': jsonBody(ref('OAuthError'), '`temporarily_unavailable`'),
      '500': jsonBody(ref('OAuthError'), '`server_error`'),
    },
  },
  'POST /oauth2/revoke': {
    summary: 'OAuth 2.0 token revocation (RFC 7009)',
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            properties: { token: str, token_type_hint: str, ...clientAuth },
            required: ['token'],
          },
        },
      },
    },
    responses: {
      '200': jsonBody(
        object({}),
        'Always for a token, valid or not; a genuine one ends its session, unless the request names ' +
          "another client than the token's",
      ),
      '400': jsonBody(ref('OAuthError'), "`invalid_request`; `unauthorized_client`: another registered client's token"),
      '401': invalidClient,
      '403': jsonBody(ref('OAuthError'), 'A foreign Origin: `invalid_request`'),
      '429': jsonBody(ref('OAuthError'), '`slow_down`: too many wrong client secrets from this IP'),
      '503': jsonBody(ref('OAuthError'), '`temporarily_unavailable`'),
      '500': jsonBody(ref('OAuthError'), '`server_error`'),
    },
  },
};
