import { refreshCookie } from '../http/cookies';
import { httpHandler } from '../http/handler';
import { passkeyIdOf } from '../http/passkey-request';
import { bearerToken, requestMeta } from '../http/request';
import { noContent } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { config, passkeys } from './runtime';

/**
 * DELETE /auth/passkeys/{id} (recent login): 204; every other session of the user ends, and this one
 * gets a new refresh cookie (as after a password change).
 */
export async function deletePasskey(event: HttpEvent): Promise<HttpResult> {
  const token = bearerToken(event);
  const id = passkeyIdOf(event);
  const changed = await passkeys.remove(token, id, requestMeta(event));
  return { ...noContent(), cookies: [refreshCookie(config.cookie, changed.refreshToken, changed.refreshMaxAge)] };
}

export const handler = httpHandler(deletePasskey);
