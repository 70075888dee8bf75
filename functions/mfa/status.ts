import { httpHandler } from '../http/handler';
import { bearerToken } from '../http/request';
import { json } from '../http/response';
import type { HttpEvent, HttpResult } from '../http/types';
import { mfa } from './runtime';

/** GET /auth/mfa: whether TOTP is on, since when, how many recovery codes are left (docs/mfa.md). */
export async function mfaStatus(event: HttpEvent): Promise<HttpResult> {
  return json(200, await mfa.status(bearerToken(event)));
}

export const handler = httpHandler(mfaStatus);
