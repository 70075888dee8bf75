import { DomainError } from '../core/errors';
import { bearerToken } from '../http/request';
import { json } from '../http/response';
import { httpHandler } from '../http/handler';
import type { HttpEvent, HttpResult } from '../http/types';
import { auth } from './runtime';

/** RFC 6750 §3: the error in the challenge and in the body. */
const refused = (status: number, error: string, description: string) =>
  json(
    status,
    { error, error_description: description },
    { headers: { 'WWW-Authenticate': `Bearer error="${error}", error_description="${description}"` } },
  );

/**
 * GET and POST /oauth2/userinfo (OIDC Core §5.3; the token in the Authorization header only): `sub`,
 * with `name` and `preferred_username` when `profile` was granted, `email` and `email_verified` when
 * `email` was. The session must live (a client_credentials token has none: `invalid_token`); a
 * token without `openid` is `403 insufficient_scope`. Third-party clients read the user here.
 */
export async function userinfo(event: HttpEvent): Promise<HttpResult> {
  let caller: Awaited<ReturnType<typeof auth.authenticate>>;
  try {
    caller = await auth.authenticate(bearerToken(event), { thirdParty: true });
  } catch (err) {
    if (err instanceof DomainError) return refused(401, 'invalid_token', 'The access token is not valid');
    throw err;
  }
  const scope = (caller.claims.scope ?? '').split(' ');
  if (!scope.includes('openid')) return refused(403, 'insufficient_scope', 'The token was not granted openid');
  const { user } = caller;
  return json(200, {
    sub: user.username,
    ...(scope.includes('profile')
      ? { preferred_username: user.username, ...(user.fullName ? { name: user.fullName } : {}) }
      : {}),
    ...(scope.includes('email') && user.email
      ? { email: user.email, email_verified: user.emailVerified !== false }
      : {}),
  });
}

export const handler = httpHandler(userinfo);
