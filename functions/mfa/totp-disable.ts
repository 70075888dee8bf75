import { refreshCookie } from '../http/cookies';
import { httpHandler } from '../http/handler';
import { parseSecondFactor } from '../http/mfa-request';
import { bearerToken, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, mfa } from './runtime';

/**
 * POST /auth/mfa/totp/disable (recent): a code or a recovery code turns TOTP off, its codes with it.
 * A wrong one counts toward the username's lockout; a new credential version ends every other session.
 */
export async function totpDisable(event: HttpEvent): Promise<HttpResult> {
  const accessToken = bearerToken(event);
  const proof = parseSecondFactor(event);
  const done = await mfa.disable(accessToken, proof, requestMeta(event));
  return json(
    200,
    { message: 'TOTP disabled', revoked: done.revoked },
    { cookies: [refreshCookie(config.cookie, done.refreshToken, done.refreshMaxAge)] },
  );
}

export const handler = httpHandler(totpDisable);
