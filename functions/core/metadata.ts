/**
 * OAuth 2.0 authorization server metadata (RFC 8414), served at both well-known paths: RFC 8414 §3's
 * `/.well-known/oauth-authorization-server`, and `/.well-known/openid-configuration`, which API
 * Gateway's JWT authorizer reads for `jwks_uri` (docs/http-contract.md "Discovery and keys").
 *
 * It lists only what this API does: no authorization endpoint (so no response type), no ID token
 * and no userinfo endpoint (so none of OpenID Connect's members), public clients only (`none` at
 * both endpoints: an absent `revocation_endpoint_auth_methods_supported` would mean
 * `client_secret_basic`). No `scopes_supported`: no scope is declared yet.
 */
export const authorizationServerMetadata = (iss: string) => ({
  issuer: iss,
  token_endpoint: `${iss}/oauth2/token`,
  revocation_endpoint: `${iss}/oauth2/revoke`,
  jwks_uri: `${iss}/.well-known/jwks.json`,
  grant_types_supported: ['password', 'refresh_token'],
  // RFC 8414 requires the member; with no authorization endpoint the true list is empty.
  response_types_supported: [] as string[],
  token_endpoint_auth_methods_supported: ['none'],
  revocation_endpoint_auth_methods_supported: ['none'],
});
