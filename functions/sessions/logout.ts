import { clearRefreshCookie, refreshTokenCookie } from '../http/cookies';
import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { bearerToken, requestMeta } from '../http/request';
import { json } from '../http/response';
import { auth, config } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

/**
 * POST /auth/logout: ends the sessions the presented tokens name and clears the cookie. When the
 * store fails the error propagates (503) and the cookie is kept, so the client can retry.
 */
export async function logout(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  await auth.logout(
    { refreshToken: refreshTokenCookie(event, config.cookie), accessToken: bearerToken(event) },
    requestMeta(event),
  );
  return json(200, { message: 'Successfully logged out' }, { cookies: [clearRefreshCookie(config.cookie)] });
}

export const handler = httpHandler(logout);
