import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseSignup, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, signup as accounts } from './new-password-runtime';

/** POST /auth/signup (only when ALLOW_SIGNUP is on): a new, unverified user, and a verification message. */
export async function signup(event: HttpEvent): Promise<HttpResult> {
  // A browser form on any site could post here: the Origin rule of docs/http-contract.md "CSRF and CORS".
  assertOriginAllowed(event, config.allowedOrigins);
  const user = await accounts.signUp(parseSignup(event), requestMeta(event));
  return json(201, {
    username: user.username,
    email: user.email,
    full_name: user.fullName ?? null,
    disabled: false,
    email_verified: false,
  });
}

export const handler = httpHandler(signup);
