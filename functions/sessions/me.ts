import { httpHandler } from '../http/handler';
import { bearerToken } from '../http/request';
import { json } from '../http/response';
import { auth } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

/** GET /users/me: the profile behind a live access token (never the password hash). */
export async function me(event: HttpEvent): Promise<HttpResult> {
  const { user } = await auth.authenticate(bearerToken(event));
  return json(200, {
    username: user.username,
    email: user.email ?? null,
    full_name: user.fullName ?? null,
    disabled: user.disabled,
  });
}

export const handler = httpHandler(me);
