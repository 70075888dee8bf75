import { type Operation, ref, jsonBody, H } from './parts';

/** Discovery and the published keys. */
export const KEY_OPERATIONS: Record<string, Operation> = {
  'GET /.well-known/openid-configuration': {
    summary: 'Authorization server metadata, where JWT authorizers look (not OpenID Connect: no ID token)',
    responses: { '200': jsonBody(ref('Discovery'), 'Issuer, JWKS and endpoints', H.cacheable) },
  },
  'GET /.well-known/oauth-authorization-server': {
    summary: 'Authorization server metadata (RFC 8414 §3): the same document',
    responses: { '200': jsonBody(ref('Discovery'), 'Issuer, JWKS and endpoints', H.cacheable) },
  },
  'GET /.well-known/jwks.json': {
    summary: 'The public keys that verify access tokens',
    responses: { '200': jsonBody(ref('Jwks'), 'Previous, current and next keys', H.cacheable) },
  },
};
