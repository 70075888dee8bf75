import { accounts, config } from './password-change-runtime';
import { refreshCookie } from '../http/cookies';
import { httpHandler } from '../http/handler';
import { bearerToken, parsePasswordChange, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';

/**
 * POST /auth/password: the caller changes their own password. Every other session of the user ends;
 * this one keeps working with its access token and a new refresh cookie, and its old refresh token is
 * dead (docs/http-contract.md "Passwords and accounts").
 */
export async function passwordChange(event: HttpEvent): Promise<HttpResult> {
  const accessToken = bearerToken(event);
  const change = parsePasswordChange(event);
  const changed = await accounts.changePassword(accessToken, change, requestMeta(event));
  return json(
    200,
    { message: 'Password changed', revoked: changed.revoked },
    { cookies: [refreshCookie(config.cookie, changed.refreshToken, changed.refreshMaxAge)] },
  );
}

export const handler = httpHandler(passwordChange);
