import { httpHandler } from '../http/handler';
import { parseRename, passkeyIdOf } from '../http/passkey-request';
import { bearerToken, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { passkeys } from './runtime';

/** PATCH /auth/passkeys/{id}: a new name for one of the caller's passkeys. */
export async function renamePasskey(event: HttpEvent): Promise<HttpResult> {
  const token = bearerToken(event);
  const id = passkeyIdOf(event);
  const { name } = parseRename(event);
  return json(200, await passkeys.rename(token, id, name, requestMeta(event)));
}

export const handler = httpHandler(renamePasskey);
