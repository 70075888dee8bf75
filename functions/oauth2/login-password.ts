import { DomainError } from '../core/errors';
import { legacyMigration } from '../core/legacy-migration';
import { importedHashes } from '../core/password-schemes';
import { legacyLookupFrom } from '../store/legacy-lookup';
import { canonicalUsername, USERNAME_PROBLEMS } from '../core/usernames';
import { requestMeta } from '../http/request';
import type { HttpEvent, HttpResult } from '../http/types';
import { answerOutcome, hostedPost } from './hosted-answer';
import { hostedHandler } from './hosted';
import { acceptImportedHashes, acceptLegacyUsers, auth, config, server } from './hosted-runtime';
import { loginPage } from './pages';

// Users moved from another system log in here too, with their old hashes or through lazy migration
// (docs/importing-users.md).
acceptImportedHashes(importedHashes);
acceptLegacyUsers(legacyMigration(legacyLookupFrom(process.env)));

const passkeys = config.webauthn !== undefined;
const TEXT: Partial<Record<DomainError['code'], [number, string]>> = {
  bad_credentials: [401, 'Incorrect username or password'],
  login_locked: [429, 'Too many failed attempts: wait a moment and try again'],
  email_not_verified: [403, 'Verify your email address first: follow the link we sent you'],
};

/**
 * POST /oauth2/login/password: the rules of /auth/token (canonical name, the lockout's places, the
 * dummy hash, the same work), family `hosted`, ending in an SSO session. A refusal is the login page
 * again with its status (401, 429 with Retry-After, 403), never a redirect.
 */
export async function loginPassword(event: HttpEvent): Promise<HttpResult> {
  const { fields, pending, client } = await hostedPost(event);
  const typed = fields.get('username') ?? '';
  const again = (status: number, error: string, headers: Record<string, string> = {}) =>
    loginPage({ pending, client, issuer: config.issuer, passkeys }, { status, error, username: typed, headers });
  const canonical = canonicalUsername(typed);
  if ('problem' in canonical) return again(400, USERNAME_PROBLEMS[canonical.problem]);
  const password = fields.get('password') ?? '';
  if (password === '' || password.length > 1024) return again(400, 'Enter your password');
  try {
    const outcome = await server.login(pending, client, (extras) =>
      auth.login(canonical.username, password, requestMeta(event), { clientId: client.id, family: 'hosted', extras }),
    );
    return answerOutcome(outcome);
  } catch (err) {
    const known = err instanceof DomainError ? TEXT[err.code] : undefined;
    if (!known) throw err;
    const wait = (err as DomainError).retryAfterSeconds;
    return again(known[0], known[1], wait ? { 'Retry-After': String(wait) } : {});
  }
}

export const handler = hostedHandler(loginPassword);
