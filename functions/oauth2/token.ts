import { canonicalUsername, USERNAME_PROBLEMS } from '../core/usernames';
import { assertOriginAllowed } from '../http/csrf';
import {
  assertNoScope,
  invalidRequest,
  OAuthError,
  oauthHandler,
  oauthJson,
  parseOAuthForm,
  required,
} from '../http/oauth';
import { requestMeta } from '../http/request';
import { auth, config } from './runtime';
import type { IssuedTokens } from '../core/auth';
import type { HttpEvent, HttpResult } from '../http/types';

/**
 * POST /oauth2/token (RFC 6749 §4.3 and §6): the password and refresh_token grants for clients that
 * cannot hold an HttpOnly cookie. The same AuthService as /auth/token and /auth/refresh (sessions,
 * rotation, grace window, reuse detection, the lockout's places, audit); the refresh token travels
 * in the body and no cookie is set (docs/http-contract.md "OAuth 2.0 endpoints").
 */
export async function oauth2Token(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  const { params, clientId } = parseOAuthForm(event);
  const grant = required(params, 'grant_type');
  const meta = requestMeta(event);
  if (grant !== 'password' && grant !== 'refresh_token')
    throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be password or refresh_token');
  // Checked before any credential: a refused request changes nothing (no attempt counted, no rotation).
  assertNoScope(params);
  let issued: IssuedTokens;
  if (grant === 'password') {
    const canonical = canonicalUsername(required(params, 'username'));
    const password = required(params, 'password');
    if ('problem' in canonical) throw invalidRequest(USERNAME_PROBLEMS[canonical.problem]);
    issued = await auth.login(canonical.username, password, meta, { clientId });
  } else {
    issued = await auth.refresh(required(params, 'refresh_token'), meta, { clientId });
  }
  return oauthJson(200, {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: config.accessTokenTtl,
    refresh_token: issued.refreshToken,
    scope: '',
  });
}

export const handler = oauthHandler(oauth2Token);
