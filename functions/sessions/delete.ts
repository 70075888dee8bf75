import { httpHandler } from '../http/handler';
import { bearerToken, requestMeta } from '../http/request';
import { noContent } from '../http/response';
import { sessions } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

/** DELETE /auth/sessions/{id}: ends one of the caller's own sessions (204), or 404 for any other id. */
export async function deleteSession(event: HttpEvent): Promise<HttpResult> {
  await sessions.delete(bearerToken(event), event.pathParameters?.id, requestMeta(event));
  return noContent();
}

export const handler = httpHandler(deleteSession);
