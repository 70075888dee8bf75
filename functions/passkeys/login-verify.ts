import { refreshCookie } from '../http/cookies';
import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseAssertion } from '../http/passkey-request';
import { requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, passkeys } from './verify-runtime';

/**
 * POST /auth/passkeys/login/verify: a passkey login, answered as POST /auth/token (the access token in
 * the body, the refresh token in the cookie; or 403 MFA required without user verification).
 */
export async function loginVerify(event: HttpEvent): Promise<HttpResult> {
  // Login CSRF, as on /auth/token: a foreign page must not log the victim's browser in.
  assertOriginAllowed(event, config.allowedOrigins);
  const credential = parseAssertion(event);
  const issued = await passkeys.login(credential, requestMeta(event), { family: 'cookie' });
  return json(
    200,
    { access_token: issued.accessToken, token_type: 'bearer', expires_in: config.accessTokenTtl },
    { cookies: [refreshCookie(config.cookie, issued.refreshToken, issued.refreshMaxAge)] },
  );
}

export const handler = httpHandler(loginVerify);
