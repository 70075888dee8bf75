import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseUsernameRequest, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, recovery } from './recovery-runtime';

/** POST /auth/email/verify/resend: the same rules as forgot (same 202 for everyone, per-IP 429). */
export async function emailVerifyResend(event: HttpEvent): Promise<HttpResult> {
  // A browser form on any site could post here: the Origin rule of docs/http-contract.md "CSRF and CORS".
  assertOriginAllowed(event, config.allowedOrigins);
  const { username } = parseUsernameRequest(event);
  await recovery.requestMessage('email_verify', username, requestMeta(event));
  return json(202, { message: 'If the account needs it, a verification link has been sent' });
}

export const handler = httpHandler(emailVerifyResend);
