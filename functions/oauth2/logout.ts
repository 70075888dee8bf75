import { responseUrl } from '../core/authorization';
import { seeOther } from '../http/html';
import { requestMeta } from '../http/request';
import type { HttpEvent, HttpResult } from '../http/types';
import { clearSsoCookie, hostedCookies, hostedHandler } from './hosted';
import { clients, secureCookies, server, tokens } from './hosted-runtime';
import { signedOutPage } from './pages';

/**
 * GET /oauth2/logout (OIDC RP-Initiated Logout 1.0): ends the browser's SSO session and clears its
 * cookie, then 303s to `post_logout_redirect_uri` (with `state`) only when it is registered for the
 * client named by `client_id` or the `id_token_hint`'s `aud`; otherwise the "signed out" page. No
 * confirmation: a forged request only signs the browser out of SSO. The clients' own sessions stay.
 */
export async function logout(event: HttpEvent): Promise<HttpResult> {
  const query = new URLSearchParams(event.rawQueryString ?? '');
  await server.endSso(hostedCookies(event, secureCookies).sso, requestMeta(event));
  const cookies = [clearSsoCookie(secureCookies)];
  const target = query.get('post_logout_redirect_uri');
  const hint = query.get('id_token_hint');
  const clientId =
    query.get('client_id') ?? (hint && hint.length < 4096 ? await tokens.idTokenAudience(hint) : undefined);
  const client = clientId && /^[A-Za-z0-9._~-]{1,64}$/.test(clientId) ? await clients.find(clientId) : undefined;
  if (target && client?.postLogoutRedirectUris.includes(target))
    return seeOther(responseUrl(target, { state: query.get('state') ?? undefined }), cookies);
  return signedOutPage({ cookies });
}

export const handler = hostedHandler(logout);
