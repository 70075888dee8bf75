import { issuerFrom, scopesFrom } from '../core/config';
import { metadataFromEnv } from '../core/metadata';
import { httpHandler } from '../http/handler';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';

// Made once per process from the environment; this function needs nothing else (no table, no key).
const document = metadataFromEnv(issuerFrom(), process.env, scopesFrom());

/**
 * GET /.well-known/openid-configuration: the authorization server metadata at the path API Gateway's
 * JWT authorizer (and OpenID Connect libraries) read; the same document as RFC 8414's path
 * (oauth2/metadata.ts). Not OpenID Connect discovery: the API issues no ID token
 * (docs/http-contract.md "Discovery and keys").
 */
export async function openidConfiguration(_event: HttpEvent): Promise<HttpResult> {
  return json(200, document, { headers: { 'Cache-Control': 'public, max-age=300' } });
}

export const handler = httpHandler(openidConfiguration);
