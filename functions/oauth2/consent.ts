import { PageError } from '../core/authorization-server';
import { seeOther } from '../http/html';
import { requestMeta } from '../http/request';
import type { HttpEvent, HttpResult } from '../http/types';
import { hostedPost } from './hosted-answer';
import { hostedHandler } from './hosted';
import { server } from './hosted-runtime';

/** POST /oauth2/consent (`decision` = `allow` | `deny`): the code, or `access_denied`, as a 303 to the client. */
export async function consent(event: HttpEvent): Promise<HttpResult> {
  const { fields, pending } = await hostedPost(event);
  const decision = fields.get('decision');
  if (decision !== 'allow' && decision !== 'deny') throw new PageError(400, 'Choose Allow or Deny.');
  return seeOther(await server.consent(pending, decision, requestMeta(event)));
}

export const handler = hostedHandler(consent);
