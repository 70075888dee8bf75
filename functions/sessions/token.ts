import { refreshCookie } from '../http/cookies';
import { assertOriginAllowed } from '../http/csrf';
import { httpHandler } from '../http/handler';
import { parseLoginForm, requestMeta } from '../http/request';
import { json } from '../http/response';
import { legacyMigration } from '../core/legacy-migration';
import { importedHashes } from '../core/password-schemes';
import { legacyLookupFrom } from '../store/legacy-lookup';
import { acceptImportedHashes, acceptLegacyUsers, auth, config } from './runtime';
import type { HttpEvent, HttpResult } from '../http/types';

// Users moved from another system log in here too, with their old hashes or through lazy migration
// (docs/importing-users.md).
acceptImportedHashes(importedHashes);
acceptLegacyUsers(legacyMigration(legacyLookupFrom(process.env)));

/** POST /auth/token: password login; the access token in the body, the refresh token in an HttpOnly cookie. */
export async function token(event: HttpEvent): Promise<HttpResult> {
  // Login CSRF: a foreign page must not log the victim's browser into the attacker's account.
  assertOriginAllowed(event, config.allowedOrigins);
  const { username, password } = parseLoginForm(event);
  const issued = await auth.login(username, password, requestMeta(event));
  return json(
    200,
    { access_token: issued.accessToken, token_type: 'bearer', expires_in: config.accessTokenTtl },
    { cookies: [refreshCookie(config.cookie, issued.refreshToken, issued.refreshMaxAge)] },
  );
}

export const handler = httpHandler(token);
