import { type Operation, ref, jsonBody, H } from './parts';

/** Discovery and the published keys. */
export const KEY_OPERATIONS: Record<string, Operation> = {
  'GET /.well-known/openid-configuration': {
    summary: 'Discovery document',
    responses: { '200': jsonBody(ref('Discovery'), 'Issuer, JWKS and endpoints', H.cacheable) },
  },
  'GET /.well-known/jwks.json': {
    summary: 'The public keys that verify access tokens',
    responses: { '200': jsonBody(ref('Jwks'), 'Previous, current and next keys', H.cacheable) },
  },
};
