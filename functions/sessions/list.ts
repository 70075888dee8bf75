import { httpHandler } from '../http/handler';
import { bearerToken } from '../http/request';
import { json } from '../http/response';
import { sessions } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

/** GET /auth/sessions: the caller's live sessions. */
export async function listSessions(event: HttpEvent): Promise<HttpResult> {
  return json(200, { sessions: await sessions.list(bearerToken(event)) });
}

export const handler = httpHandler(listSessions);
