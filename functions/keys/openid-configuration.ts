import { issuerFrom } from '../core/config';
import { httpHandler } from '../http/handler';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';

// Read once per process; this function needs nothing else (no table, no key).
const issuer = issuerFrom();

/** The discovery document (OpenID Connect Discovery 1.0 / RFC 8414) that JWT authorizers and OIDC libraries read. */
export const discoveryDocument = (iss: string) => ({
  issuer: iss,
  jwks_uri: `${iss}/.well-known/jwks.json`,
  token_endpoint: `${iss}/oauth2/token`,
  revocation_endpoint: `${iss}/oauth2/revoke`,
  grant_types_supported: ['password', 'refresh_token'],
  response_types_supported: ['token'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
  token_endpoint_auth_methods_supported: ['none'],
});

/** GET /.well-known/openid-configuration (docs/http-contract.md "Discovery and keys"). */
export async function openidConfiguration(_event: HttpEvent): Promise<HttpResult> {
  return json(200, discoveryDocument(issuer), { headers: { 'Cache-Control': 'public, max-age=300' } });
}

export const handler = httpHandler(openidConfiguration);
