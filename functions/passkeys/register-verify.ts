import { httpHandler } from '../http/handler';
import { parseRegistration } from '../http/passkey-request';
import { bearerToken, requestMeta } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { passkeys } from './verify-runtime';

/** POST /auth/passkeys/register/verify (recent login): the passkey registered, 201 (docs/passkeys.md). */
export async function registerVerify(event: HttpEvent): Promise<HttpResult> {
  const token = bearerToken(event);
  const { credential, name } = parseRegistration(event);
  return json(201, await passkeys.register(token, credential, name, requestMeta(event)));
}

export const handler = httpHandler(registerVerify);
