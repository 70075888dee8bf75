import { httpHandler } from '../http/handler';
import { parseTokenRequest, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { recovery } from './recovery-runtime';

/** POST /auth/email/verify: a verification link's token. */
export async function emailVerify(event: HttpEvent): Promise<HttpResult> {
  const { token } = parseTokenRequest(event, { withPassword: false });
  await recovery.verifyEmail(token, requestMeta(event));
  return json(200, { message: 'Email verified' });
}

export const handler = httpHandler(emailVerify);
