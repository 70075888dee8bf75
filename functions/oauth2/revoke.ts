import { assertOriginAllowed } from '../http/csrf';
import { oauthHandler, oauthJson, parseOAuthForm, required } from '../http/oauth';
import { requestMeta } from '../http/request';
import { auth, clients, config } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

/**
 * POST /oauth2/revoke (RFC 7009): the client authenticates as at the token endpoint, then `200 {}` for
 * any token, valid or not (a client cannot learn anything from it); a genuine refresh or access token,
 * expired or rotated ones included, ends its session as a logout does. Another registered client's
 * token is `400 unauthorized_client`, its session untouched (§2.1). A client_credentials token
 * belongs to no session: 200, nothing changes. `token_type_hint` is accepted and not needed: both
 * kinds are tried. A store outage is a 503, never a 200 that ended nothing.
 */
export async function oauth2Revoke(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  const { params, credentials } = parseOAuthForm(event);
  const token = required(params, 'token');
  const meta = requestMeta(event);
  await clients.authenticate(credentials, 'revoke', meta);
  await auth.revoke(token, meta, { clientId: credentials.clientId });
  return oauthJson(200, {});
}

export const handler = oauthHandler(oauth2Revoke);
