import { accounts } from './password-change-runtime';
import { httpHandler } from '../http/handler';
import { bearerToken, parsePasswordChange, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';

/**
 * POST /auth/password: the caller changes their own password. Every other session of the user ends;
 * this one, and its tokens, keep working (docs/http-contract.md "Passwords and accounts").
 */
export async function passwordChange(event: HttpEvent): Promise<HttpResult> {
  const accessToken = bearerToken(event);
  const change = parsePasswordChange(event);
  const revoked = await accounts.changePassword(accessToken, change, requestMeta(event));
  return json(200, { message: 'Password changed', revoked });
}

export const handler = httpHandler(passwordChange);
