import { keySources } from '../core/config';
import { httpHandler } from '../http/handler';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { publishedKeySet } from '../store/keys';

// The public copy only (PUBLIC_KEYS_ARN; locally derived from SIGNING_KEYS): this function cannot sign.
const { publicKeysArn, signingKeys } = keySources(process.env);
const keySet = publishedKeySet({ publicKeysArn, signingKeys });

/** GET /.well-known/jwks.json: the public halves of the previous, current and next signing keys. */
export async function jwks(_event: HttpEvent): Promise<HttpResult> {
  return json(200, await keySet(), { headers: { 'Cache-Control': 'public, max-age=300' } });
}

export const handler = httpHandler(jwks);
