import { httpHandler } from '../http/handler';
import { bearerToken, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { mfa } from './runtime';

/** POST /auth/mfa/recovery-codes (recent): ten new recovery codes replace the set, shown this once. */
export async function recoveryCodes(event: HttpEvent): Promise<HttpResult> {
  const codes = await mfa.regenerate(bearerToken(event), requestMeta(event));
  return json(200, { recovery_codes: codes }, { headers: { 'Cache-Control': 'no-store' } });
}

export const handler = httpHandler(recoveryCodes);
