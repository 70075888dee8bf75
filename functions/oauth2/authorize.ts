import { checkAuthorizeRequest, queryParameters } from '../core/authorization';
import type { HttpEvent, HttpResult } from '../http/types';
import { seeOther } from '../http/html';
import { assertNavigation, authzCookie, hostedCookies, hostedHandler } from './hosted';
import { consentPage, errorPage, loginPage } from './pages';
import { clients, config, secureCookies, server } from './hosted-runtime';

const passkeys = config.webauthn !== undefined;

/**
 * GET /oauth2/authorize (docs/authorization-server.md): a top-level navigation only; a bad client or
 * redirect URI is a 400 page, any other fault goes back to the redirect URI (a dynamically registered
 * client's is shown instead); then SSO and `prompt` decide between a code now, the login page, and
 * the consent page. Every redirect is a 303 carrying `iss`.
 */
export async function authorize(event: HttpEvent): Promise<HttpResult> {
  assertNavigation(event);
  const query = queryParameters(new URLSearchParams(event.rawQueryString ?? ''));
  const clientId = query.params.get('client_id');
  const client = clientId && /^[A-Za-z0-9._~-]{1,64}$/.test(clientId) ? await clients.find(clientId) : undefined;
  const checked = checkAuthorizeRequest(query, client, { scopes: config.scopes, audience: config.audience });
  if ('page' in checked) return errorPage(400, checked.page);
  if ('redirect' in checked) {
    const { redirectUri, state, error, description } = checked.redirect;
    if (checked.dynamic)
      return errorPage(400, `${description} (the application at ${new URL(redirectUri).host} sent a bad request)`);
    return seeOther(server.errorUrl({ redirectUri, state }, error, description));
  }
  const outcome = await server.authorize(checked.request, checked.client, hostedCookies(event, secureCookies));
  const cookies =
    'browserCookie' in outcome && outcome.browserCookie ? [authzCookie(outcome.browserCookie, secureCookies)] : [];
  if ('redirect' in outcome) return seeOther(outcome.redirect, cookies);
  const shown = { issuer: config.issuer, client: checked.client };
  if ('consent' in outcome)
    return consentPage({ ...shown, pending: outcome.consent, scopes: config.scopes }, { cookies });
  if ('login' in outcome) return loginPage({ ...shown, pending: outcome.login, passkeys }, { cookies });
  throw new Error('authorize: unexpected outcome');
}

export const handler = hostedHandler(authorize);
