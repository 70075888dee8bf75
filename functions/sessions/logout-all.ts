import { clearRefreshCookie, refreshTokenCookie } from '../http/cookies';
import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { bearerToken, requestMeta } from '../http/request';
import { json } from '../http/response';
import { config, sessions } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

/** POST /auth/logout-all: ends every session of the caller (proven by a Bearer access token or the refresh cookie). */
export async function logoutAll(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  const revoked = await sessions.logoutAll(
    { accessToken: bearerToken(event), refreshToken: refreshTokenCookie(event, config.cookie) },
    requestMeta(event),
  );
  return json(
    200,
    { message: 'Logged out of all sessions', revoked },
    { cookies: [clearRefreshCookie(config.cookie)] },
  );
}

export const handler = httpHandler(logoutAll);
