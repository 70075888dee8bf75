import { type Operation, ref, str, int, object, jsonBody, header, H } from './parts';

/** Basic credentials with a secret: no client has one this server could check (RFC 6749 §5.2). */
const invalidClient = jsonBody(ref('OAuthError'), '`invalid_client`: HTTP Basic credentials with a secret', {
  'WWW-Authenticate': header('`Basic realm="oauth2"`'),
});

/** The OAuth 2.0 endpoints (RFC 6749 token, RFC 7009 revocation): the session routes in the OAuth wire format. */
export const OAUTH2_OPERATIONS: Record<string, Operation> = {
  'POST /oauth2/token': {
    summary: 'OAuth 2.0 token endpoint (password, refresh_token, MFA and passkey grants)',
    description:
      'For clients that cannot hold a cookie: the refresh token is in the body. RFC 6749 errors. A password ' +
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
                  'password',
                  'refresh_token',
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
              client_id: str,
              scope: { ...str, description: 'only `openid` (granted as none); any other scope is `invalid_scope`' },
            },
            required: ['grant_type'],
          },
        },
      },
    },
    responses: {
      '200': jsonBody(
        object({
          access_token: str,
          token_type: { const: 'Bearer' },
          expires_in: int,
          refresh_token: str,
          // No scope is declared yet: none is granted, and the answer says so (RFC 6749 §5.1).
          scope: { const: '' },
        }),
        'Tokens (no cookie)',
        { ...H.noStore, Pragma: header('`no-cache`', { const: 'no-cache' }) },
      ),
      '400': jsonBody(
        ref('OAuthError'),
        '`invalid_grant`, `invalid_request`, `unsupported_grant_type`, or `invalid_scope` (any scope but `openid`)',
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
          schema: { type: 'object', properties: { token: str, token_type_hint: str }, required: ['token'] },
        },
      },
    },
    responses: {
      '200': jsonBody(
        object({}),
        'Always for a token, valid or not; a genuine one ends its session, unless the request names ' +
          "another client than the token's",
      ),
      '400': jsonBody(ref('OAuthError'), '`invalid_request`'),
      '401': invalidClient,
      '403': jsonBody(ref('OAuthError'), 'A foreign Origin: `invalid_request`'),
      '503': jsonBody(ref('OAuthError'), '`temporarily_unavailable`'),
      '500': jsonBody(ref('OAuthError'), '`server_error`'),
    },
  },
};
