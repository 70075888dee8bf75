import { httpHandler } from '../http/handler';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { publishedKeySet } from '../store/keys';

// The public copy only (PUBLIC_KEYS_ARN; locally derived from SIGNING_KEYS): this function cannot sign.
// Under `sam local invoke` the local keys win over the ARN (SAM makes it a logical id), as in loadConfig.
const samLocalKeys = process.env.AWS_SAM_LOCAL === 'true' && !!process.env.SIGNING_KEYS;
const keySet = publishedKeySet({
  publicKeysArn: samLocalKeys ? undefined : process.env.PUBLIC_KEYS_ARN || undefined,
  signingKeys: process.env.SIGNING_KEYS || undefined,
});

/** GET /.well-known/jwks.json: the public halves of the previous, current and next signing keys. */
export async function jwks(_event: HttpEvent): Promise<HttpResult> {
  return json(200, await keySet(), { headers: { 'Cache-Control': 'public, max-age=300' } });
}

export const handler = httpHandler(jwks);
