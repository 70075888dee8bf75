import { refreshCookie, refreshTokenCookie } from '../http/cookies';
import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { requestMeta } from '../http/request';
import { json } from '../http/response';
import { auth, config } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

/**
 * POST /auth/refresh: a new access token, and the rotated refresh token in the cookie.
 * A failure never touches the cookie: another request may just have set a fresh one.
 */
export async function refresh(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  const issued = await auth.refresh(refreshTokenCookie(event, config.cookie), requestMeta(event));
  return json(
    200,
    { access_token: issued.accessToken, token_type: 'bearer', expires_in: config.accessTokenTtl },
    { cookies: [refreshCookie(config.cookie, issued.refreshToken, issued.refreshMaxAge)] },
  );
}

export const handler = httpHandler(refresh);
