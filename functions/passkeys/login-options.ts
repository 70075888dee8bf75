import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseLoginOptions } from '../http/passkey-request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { passkeyLoginOptions } from '../core/passkeys';
import { config, store } from './options-runtime';

/**
 * POST /auth/passkeys/login/options: a challenge, and the named user's passkeys (or none: usernameless
 * and autofill logins use discoverable credentials). Naming a username tells whether it has passkeys.
 */
export async function loginOptions(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  const { username } = parseLoginOptions(event);
  return json(200, { options: await passkeyLoginOptions(store, config.webauthn?.rpId ?? '', username) });
}

export const handler = httpHandler(loginOptions);
