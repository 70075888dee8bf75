import type { HostedOutcome } from '../core/authorization-server';
import type { PendingAuthorization } from '../core/authorization-ports';
import type { Client } from '../core/clients';
import { seeOther } from '../http/html';
import type { HttpEvent, HttpResult } from '../http/types';
import { assertSameOriginPost, formFields, hostedCookies, ssoCookie } from './hosted';
import { config, secureCookies, server } from './hosted-runtime';
import { consentPage, mfaPage } from './pages';

/**
 * What the hosted form posts share: the same-origin checks, the form, and the pending authorization
 * this browser started (docs/authorization-server.md "Hosted pages"); then the outcome as an answer.
 */
export async function hostedPost(
  event: HttpEvent,
): Promise<{ fields: Map<string, string>; pending: PendingAuthorization; client: Client }> {
  assertSameOriginPost(event);
  const fields = formFields(event);
  const pending = await server.pendingFor(fields.get('authz'), hostedCookies(event, secureCookies).authz);
  return { fields, pending, client: await server.clientOf(pending) };
}

/** A login's outcome as the browser gets it: 303 to the client, the consent page, or the code page. */
export function answerOutcome(outcome: HostedOutcome): HttpResult {
  const cookies =
    'ssoCookie' in outcome && outcome.ssoCookie
      ? [ssoCookie(outcome.ssoCookie, config.ssoSessionSeconds, secureCookies)]
      : [];
  if ('redirect' in outcome) return seeOther(outcome.redirect, cookies);
  if ('consent' in outcome)
    return consentPage(
      { pending: outcome.consent, client: outcome.client, issuer: config.issuer, scopes: config.scopes },
      { cookies },
    );
  if ('mfa' in outcome)
    return mfaPage({ pending: outcome.pending, mfaToken: outcome.mfa.mfaToken, issuer: config.issuer });
  throw new Error('hosted: unexpected outcome');
}
