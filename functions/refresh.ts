import { REFRESH_COOKIE, readCookie } from './http/cookies';
import { httpHandler } from './http/handler';
import { requestMeta } from './http/request';
import { json } from './http/response';
import { auth, config } from './http/services';
import type { HttpEvent, HttpResult } from './http/types';

/** POST /auth/refresh: a new access token for the session's current refresh token. A failure never clears the cookie. */
export async function refresh(event: HttpEvent): Promise<HttpResult> {
  const result = await auth.refresh(readCookie(event, REFRESH_COOKIE), requestMeta(event));
  return json(200, { access_token: result.accessToken, token_type: 'bearer', expires_in: config.accessTokenTtl });
}

export const handler = httpHandler(refresh);
