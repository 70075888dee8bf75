import { MFA_GRANT, PASSKEY_GRANT } from './clients';

/**
 * OAuth 2.0 authorization server metadata (RFC 8414), also OpenID Connect discovery's document,
 * served at both well-known paths: RFC 8414 §3's `/.well-known/oauth-authorization-server`, and
 * `/.well-known/openid-configuration`, which API Gateway's JWT authorizer reads for `jwks_uri`
 * (docs/authorization-server.md "Metadata").
 *
 * It lists only what this API does, each member backed by behaviour (test/integration/discovery.test.ts):
 * the code flow with PKCE S256 and `iss` in its responses, clients authenticating with a secret by
 * Basic or in the body, or, public ones, with none; the passkey grant where passkeys are configured;
 * and, said outright, no request objects and no `claims` parameter (OIDC's defaults would claim them).
 */
export const authorizationServerMetadata = (
  iss: string,
  { scopes, passkeys, registration }: { scopes: readonly string[]; passkeys: boolean; registration: boolean },
) => ({
  issuer: iss,
  authorization_endpoint: `${iss}/oauth2/authorize`,
  token_endpoint: `${iss}/oauth2/token`,
  revocation_endpoint: `${iss}/oauth2/revoke`,
  userinfo_endpoint: `${iss}/oauth2/userinfo`,
  end_session_endpoint: `${iss}/oauth2/logout`,
  jwks_uri: `${iss}/.well-known/jwks.json`,
  ...(registration ? { registration_endpoint: `${iss}/oauth2/register` } : {}),
  scopes_supported: [...scopes],
  response_types_supported: ['code'],
  response_modes_supported: ['query'],
  grant_types_supported: [
    'authorization_code',
    'refresh_token',
    'client_credentials',
    'password',
    MFA_GRANT,
    ...(passkeys ? [PASSKEY_GRANT] : []),
  ],
  code_challenge_methods_supported: ['S256'],
  token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
  revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
  claims_supported: [
    'sub',
    'iss',
    'aud',
    'exp',
    'iat',
    'auth_time',
    'nonce',
    'amr',
    'name',
    'preferred_username',
    'email',
    'email_verified',
  ],
  authorization_response_iss_parameter_supported: true,
  request_parameter_supported: false,
  request_uri_parameter_supported: false,
  claims_parameter_supported: false,
});

const CLIENT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'];

/** The document of this process's environment (ISSUER, SCOPES, WEBAUTHN_RP_ID), read once by the two routes. */
export const metadataFromEnv = (iss: string, env: Record<string, string | undefined>, scopes: Record<string, string>) =>
  authorizationServerMetadata(iss, {
    scopes: Object.keys(scopes),
    passkeys: Boolean(env.WEBAUTHN_RP_ID),
    registration: env.DYNAMIC_CLIENT_REGISTRATION === 'true',
  });
