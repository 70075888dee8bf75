import { httpHandler } from '../http/handler';
import { bearerToken } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { passkeys } from './runtime';

/** POST /auth/passkeys/register/options (recent login): the creation options as JSON (docs/passkeys.md). */
export async function registerOptions(event: HttpEvent): Promise<HttpResult> {
  return json(200, { options: await passkeys.registrationOptions(bearerToken(event)) });
}

export const handler = httpHandler(registerOptions);
