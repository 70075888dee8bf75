import { assertOriginAllowed } from '../http/csrf';
import { oauthHandler, oauthJson, parseOAuthForm, required } from '../http/oauth';
import { requestMeta } from '../http/request';
import { auth, config } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

/**
 * POST /oauth2/revoke (RFC 7009): `200 {}` for any token, valid or not (a client cannot learn
 * anything from it); a genuine refresh or access token, expired or rotated ones included, ends its
 * session as a logout does. `token_type_hint` is accepted and not needed: both kinds are tried.
 * A store outage is a 503, never a 200 that ended nothing.
 */
export async function oauth2Revoke(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  const { params, clientId } = parseOAuthForm(event);
  const token = required(params, 'token');
  await auth.revoke(token, requestMeta(event), { clientId });
  return oauthJson(200, {});
}

export const handler = oauthHandler(oauth2Revoke);
