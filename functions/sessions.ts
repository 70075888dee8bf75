import { notAuthenticated } from './core/errors';
import { httpHandler } from './http/handler';
import { bearerToken } from './http/request';
import { json } from './http/response';
import { sessions } from './http/services';
import type { HttpEvent, HttpResult } from './http/types';

/** GET /auth/sessions: the caller's live sessions. */
export async function listSessions(event: HttpEvent): Promise<HttpResult> {
  const token = bearerToken(event);
  if (!token) throw notAuthenticated();
  return json(200, { sessions: await sessions.list(token) });
}

export const handler = httpHandler(listSessions);
