import { registerClient } from '../core/registration';
import { invalidRequest, oauthHandler } from '../http/oauth';
import { audit } from '../http/logger';
import { bodyText, header, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { accountStore, clients, config } from './register-runtime';

/**
 * POST /oauth2/register (RFC 7591), only with DYNAMIC_CLIENT_REGISTRATION=true: a public, third-party,
 * unverified client from JSON metadata (core/registration.ts). `201` with the client; errors as RFC
 * 7591 §3.2.2 `{"error", "error_description"}`; beyond DCR_IP_MAX_PER_HOUR, `429 slow_down`.
 */
export async function register(event: HttpEvent): Promise<HttpResult> {
  const type = header(event, 'content-type')?.split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw invalidRequest('the body must be application/json');
  let body: unknown;
  try {
    body = JSON.parse(bodyText(event));
  } catch {
    throw invalidRequest('the body is not JSON');
  }
  const registered = await registerClient(body, requestMeta(event), {
    counts: accountStore,
    clients,
    settings: config.registration,
    audit,
  });
  return json(201, registered);
}

export const handler = oauthHandler(register);
