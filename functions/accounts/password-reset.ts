import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseTokenRequest, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, passwordReset as resets } from './new-password-runtime';

/** POST /auth/password/reset: a reset link's token and a new password; every session of the user ends. */
export async function passwordReset(event: HttpEvent): Promise<HttpResult> {
  // A browser form on any site could post here: the Origin rule of docs/http-contract.md "CSRF and CORS".
  assertOriginAllowed(event, config.allowedOrigins);
  const { token, newPassword } = parseTokenRequest(event, { withPassword: true });
  await resets.resetPassword(token, newPassword, requestMeta(event));
  return json(200, { message: 'Password reset' });
}

export const handler = httpHandler(passwordReset);
