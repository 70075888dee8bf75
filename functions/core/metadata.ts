import { MFA_GRANT, PASSKEY_GRANT } from './clients';

/**
 * OAuth 2.0 authorization server metadata (RFC 8414), served at both well-known paths: RFC 8414 §3's
 * `/.well-known/oauth-authorization-server`, and `/.well-known/openid-configuration`, which API
 * Gateway's JWT authorizer reads for `jwks_uri` (docs/http-contract.md "Discovery and keys").
 *
 * It lists only what this API does, each member backed by behaviour (test/integration/discovery.test.ts):
 * clients authenticate with a secret by Basic or in the body, or, public ones, with none (an absent
 * `revocation_endpoint_auth_methods_supported` would mean `client_secret_basic` alone); the passkey
 * grant exists where passkeys are configured.
 */
export const authorizationServerMetadata = (
  iss: string,
  { scopes, passkeys }: { scopes: readonly string[]; passkeys: boolean },
) => ({
  issuer: iss,
  token_endpoint: `${iss}/oauth2/token`,
  revocation_endpoint: `${iss}/oauth2/revoke`,
  jwks_uri: `${iss}/.well-known/jwks.json`,
  scopes_supported: [...scopes],
  grant_types_supported: [
    'refresh_token',
    'client_credentials',
    'password',
    MFA_GRANT,
    ...(passkeys ? [PASSKEY_GRANT] : []),
  ],
  // RFC 8414 requires the member; with no authorization endpoint the true list is empty.
  response_types_supported: [] as string[],
  token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
  revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
});

const CLIENT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'];

/** The document of this process's environment (ISSUER, SCOPES, WEBAUTHN_RP_ID), read once by the two routes. */
export const metadataFromEnv = (iss: string, env: Record<string, string | undefined>, scopes: Record<string, string>) =>
  authorizationServerMetadata(iss, { scopes: Object.keys(scopes), passkeys: Boolean(env.WEBAUTHN_RP_ID) });
