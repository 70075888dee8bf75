import { httpHandler } from '../http/handler';
import { bearerToken } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { mfa } from './runtime';

/**
 * POST /auth/mfa/totp/setup (recent): a new TOTP secret, shown this once as base32 and as an
 * `otpauth://` URI, pending until confirmed (docs/mfa.md "TOTP").
 */
export async function totpSetup(event: HttpEvent): Promise<HttpResult> {
  return json(200, await mfa.setup(bearerToken(event)), { headers: { 'Cache-Control': 'no-store' } });
}

export const handler = httpHandler(totpSetup);
