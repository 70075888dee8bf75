import { caller } from '../http/caller';
import { httpHandler } from '../http/handler';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';

/** An example of a team's own route: behind either authorizer, it only reads who is calling. */
export async function whoami(event: HttpEvent): Promise<HttpResult> {
  const who = caller(event);
  return json(200, { username: who?.sub ?? null, session: who?.sid ?? null, client_id: who?.clientId ?? null });
}

export const handler = httpHandler(whoami);
