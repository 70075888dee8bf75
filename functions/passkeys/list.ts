import { httpHandler } from '../http/handler';
import { bearerToken } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { passkeys } from './runtime';

/** GET /auth/passkeys: the caller's passkeys, newest first, with what `signalAllAcceptedCredentials` needs. */
export async function listPasskeys(event: HttpEvent): Promise<HttpResult> {
  return json(200, await passkeys.list(bearerToken(event)));
}

export const handler = httpHandler(listPasskeys);
