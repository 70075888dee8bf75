import { refreshCookie } from '../http/cookies';
import { httpHandler } from '../http/handler';
import { parseTotpConfirm } from '../http/mfa-request';
import { bearerToken, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, mfa } from './runtime';

/**
 * POST /auth/mfa/totp/confirm (recent): a code from the pending secret turns TOTP on with ten
 * recovery codes, shown this once. A new credential version: every other session ends, and this one
 * carries on with a new refresh cookie (docs/mfa.md "What ends sessions").
 */
export async function totpConfirm(event: HttpEvent): Promise<HttpResult> {
  const accessToken = bearerToken(event);
  const { code } = parseTotpConfirm(event);
  const done = await mfa.confirm(accessToken, code, requestMeta(event));
  return json(
    200,
    { message: 'TOTP enabled', recovery_codes: done.recoveryCodes, revoked: done.revoked },
    {
      headers: { 'Cache-Control': 'no-store' },
      cookies: [refreshCookie(config.cookie, done.refreshToken, done.refreshMaxAge)],
    },
  );
}

export const handler = httpHandler(totpConfirm);
