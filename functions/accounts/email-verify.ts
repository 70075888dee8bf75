import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseTokenRequest, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, recovery } from './recovery-runtime';

/** POST /auth/email/verify: a verification link's token. */
export async function emailVerify(event: HttpEvent): Promise<HttpResult> {
  // A browser form on any site could post here: the Origin rule of docs/http-contract.md "CSRF and CORS".
  assertOriginAllowed(event, config.allowedOrigins);
  const { token } = parseTokenRequest(event, { withPassword: false });
  await recovery.verifyEmail(token, requestMeta(event));
  return json(200, { message: 'Email verified' });
}

export const handler = httpHandler(emailVerify);
