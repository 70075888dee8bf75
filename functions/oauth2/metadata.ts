import { issuerFrom, scopesFrom } from '../core/config';
import { metadataFromEnv } from '../core/metadata';
import { httpHandler } from '../http/handler';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';

// Made once per process from the environment; this function needs nothing else (no table, no key).
const document = metadataFromEnv(issuerFrom(), process.env, scopesFrom());

/**
 * GET /.well-known/oauth-authorization-server (RFC 8414 §3), where OAuth 2.0 libraries look
 * (openid-client with `algorithm: 'oauth2'`): the same document as /.well-known/openid-configuration.
 */
export async function metadata(_event: HttpEvent): Promise<HttpResult> {
  return json(200, document, { headers: { 'Cache-Control': 'public, max-age=300' } });
}

export const handler = httpHandler(metadata);
