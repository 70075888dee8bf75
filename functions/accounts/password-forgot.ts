import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseUsernameRequest, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, recovery } from './recovery-runtime';

/**
 * POST /auth/password/forgot: always the same 202, as fast for a name that is no user: the mail worker
 * decides, after the answer (docs/http-contract.md "Passwords and accounts").
 */
export async function passwordForgot(event: HttpEvent): Promise<HttpResult> {
  // A browser form on any site could post here: the Origin rule of docs/http-contract.md "CSRF and CORS".
  assertOriginAllowed(event, config.allowedOrigins);
  const { username } = parseUsernameRequest(event);
  await recovery.requestMessage('password_reset', username, requestMeta(event));
  return json(202, { message: 'If the account exists, a reset link has been sent' });
}

export const handler = httpHandler(passwordForgot);
