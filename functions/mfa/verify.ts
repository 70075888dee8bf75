import { refreshCookie } from '../http/cookies';
import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseMfaVerify } from '../http/mfa-request';
import { requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, mfa } from './runtime';

/**
 * POST /auth/mfa/verify: the second factor of a cookie-route login that answered `MFA required`.
 * Answers as POST /auth/token: the access token in the body, the refresh token in the cookie.
 */
export async function mfaVerify(event: HttpEvent): Promise<HttpResult> {
  // Login CSRF, as on /auth/token: a foreign page must not finish a login in the victim's browser.
  assertOriginAllowed(event, config.allowedOrigins);
  const { mfaToken, proof } = parseMfaVerify(event);
  const issued = await mfa.verify(mfaToken, proof, requestMeta(event), { family: 'cookie' });
  return json(
    200,
    { access_token: issued.accessToken, token_type: 'bearer', expires_in: config.accessTokenTtl },
    { cookies: [refreshCookie(config.cookie, issued.refreshToken, issued.refreshMaxAge)] },
  );
}

export const handler = httpHandler(mfaVerify);
