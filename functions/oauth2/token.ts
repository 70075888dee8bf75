import { MFA_GRANT, PASSKEY_GRANT } from '../core/clients';
import { legacyMigration } from '../core/legacy-migration';
import { importedHashes } from '../core/password-schemes';
import { legacyLookupFrom } from '../store/legacy-lookup';
import type { ResolvedClient } from '../core/client-registry';
import { audit } from '../http/logger';
import { grantScope, parseScope, scopeText } from '../core/scopes';
import { canonicalUsername, USERNAME_PROBLEMS } from '../core/usernames';
import { assertOriginAllowed } from '../http/csrf';
import { invalidRequest, OAuthError, oauthHandler, oauthJson, parseOAuthForm, required } from '../http/oauth';
import type { ValidationIssue } from '../http/errors';
import { MFA_TOKEN_PATTERN, secondFactorOf } from '../http/mfa-request';
import { requestMeta } from '../http/request';
import type { RequestMeta } from '../core/auth';
import type { SessionGrant } from '../core/ports';
import { acceptImportedHashes, acceptLegacyUsers, auth, clients, config, server, tokens } from './hosted-runtime';
import { mfa } from './mfa-runtime';
import { passkeys } from './passkey-runtime';
import { assertionFromText } from '../http/passkey-request';
import type { IssuedTokens } from '../core/auth';
import type { HttpEvent, HttpResult } from '../http/types';

// Users moved from another system log in here too, with their old hashes or through lazy migration
// (docs/importing-users.md).
acceptImportedHashes(importedHashes);
acceptLegacyUsers(legacyMigration(legacyLookupFrom(process.env)));

export { MFA_GRANT, PASSKEY_GRANT };
const passkeysOn = config.webauthn !== undefined;
const GRANTS = [
  'authorization_code',
  'password',
  'refresh_token',
  'client_credentials',
  MFA_GRANT,
  ...(passkeysOn ? [PASSKEY_GRANT] : []),
];

/**
 * POST /oauth2/token (RFC 6749 §3.2): the password, refresh_token and client_credentials grants, and
 * our MFA and passkey grants, for clients that cannot hold an HttpOnly cookie. The client
 * authenticates first (core/client-registry.ts), then the scope is checked, before any credential:
 * a refused request changes nothing. The user grants share the AuthService of /auth/token and
 * /auth/refresh (sessions, rotation, grace window, reuse detection, the lockout's places, audit); the
 * refresh token travels in the body (docs/http-contract.md "OAuth 2.0 endpoints",
 * docs/authorization-server.md).
 */
export async function oauth2Token(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  const { params, credentials } = parseOAuthForm(event);
  const grant = required(params, 'grant_type');
  const meta = requestMeta(event);
  if (!GRANTS.includes(grant))
    throw new OAuthError(400, 'unsupported_grant_type', `grant_type must be one of ${GRANTS.join(', ')}`);
  const asked = parseScope(params.get('scope'));
  // RFC 8707: the one resource these tokens are for is TOKEN_AUDIENCE.
  const resource = params.get('resource');
  if (resource !== undefined && resource !== config.audience)
    throw new OAuthError(400, 'invalid_target', 'resource must be this API (its token audience)');
  const resolved = await clients.authenticate(credentials, grant, meta);
  if (grant === 'client_credentials') return clientCredentials(resolved, asked, meta);
  const clientId = credentials.clientId;
  let issued: IssuedTokens & { nonce?: string };
  if (grant === 'authorization_code') {
    const presented = {
      code: required(params, 'code'),
      redirectUri: required(params, 'redirect_uri'),
      verifier: required(params, 'code_verifier'),
    };
    issued = await server.redeem(presented, resolved.client, meta);
  } else if (grant === 'refresh_token') {
    const refreshToken = required(params, 'refresh_token');
    issued = await auth.refresh(refreshToken, meta, { clientId, scope: asked, clientRegistered: resolved.registered });
  } else {
    const sessionGrant = grantOf(resolved, asked);
    const family = 'oauth';
    if (grant === 'password') {
      const canonical = canonicalUsername(required(params, 'username'));
      const password = required(params, 'password');
      if ('problem' in canonical) throw invalidRequest(USERNAME_PROBLEMS[canonical.problem]);
      issued = await auth.login(canonical.username, password, meta, {
        clientId,
        family,
        extras: { grant: sessionGrant },
      });
    } else if (grant === MFA_GRANT) {
      issued = await mfaGrant(params, meta, clientId, sessionGrant);
    } else {
      const parsed = assertionFromText(required(params, 'credential'));
      if ('problem' in parsed) throw invalidRequest(parsed.problem);
      issued = await passkeys.login(parsed.credential, meta, {
        family,
        clientId,
        extras: { grant: sessionGrant },
      });
    }
  }
  return oauthJson(200, {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: config.accessTokenTtl,
    refresh_token: issued.refreshToken,
    scope: scopeText(issued.scope),
    ...(await idTokenOf(grant, issued, resolved.client.id)),
  });
}

/**
 * An ID token (OIDC Core §3.1.3.3) when `openid` is granted: on the code grant, with its `nonce`; on a
 * refresh of a session a code started, with the same `auth_time` and no `nonce` (§12.2). The password
 * and our URN grants give none: they are not OpenID Connect flows.
 */
async function idTokenOf(grant: string, issued: IssuedTokens & { nonce?: string }, clientId: string) {
  const { session } = issued;
  const fromCode = grant === 'authorization_code' || (grant === 'refresh_token' && session.clientRegistered);
  if (!fromCode || !issued.scope.includes('openid')) return {};
  const id_token = await tokens.signIdToken({
    sub: session.username,
    clientId,
    authTime: session.authAt ?? session.createdAt,
    nonce: grant === 'authorization_code' ? issued.nonce : undefined,
    amr: session.amr,
    issuedAt: Date.now(),
  });
  return { id_token };
}

/**
 * What a user grant's new session records of its client: the scope granted, and whether the client is
 * registered. These grants are first-party only (the registry refuses them to anyone else).
 */
function grantOf({ client, registered }: ResolvedClient, asked: string[] | undefined): SessionGrant {
  const scope = grantScope(asked, client, config.scopes);
  return { scope, ...(registered ? { clientRegistered: true } : {}) };
}

/** A machine-to-machine token (RFC 6749 §4.4): no refresh token, no session; it ends at its expiry. */
async function clientCredentials(resolved: ResolvedClient, asked: string[] | undefined, meta: RequestMeta) {
  const scope = grantScope(asked, resolved.client, config.scopes);
  const accessToken = await tokens.signClientToken({ clientId: resolved.client.id, scope, issuedAt: Date.now() });
  audit('client_token_issued', { client_id: resolved.client.id, scope: scopeText(scope), ...meta });
  return oauthJson(200, {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: config.accessTokenTtl,
    scope: scopeText(scope),
  });
}

/**
 * The second factor of a password grant that answered `mfa_required` (docs/mfa.md): `mfa_token` and
 * exactly one of `otp` and `recovery_code` (`otpauth` and the MFA key are loaded by the first one).
 */
async function mfaGrant(
  params: Map<string, string>,
  meta: RequestMeta,
  clientId: string | undefined,
  grant: SessionGrant,
) {
  const mfaToken = required(params, 'mfa_token');
  if (!MFA_TOKEN_PATTERN.test(mfaToken)) throw invalidRequest('mfa_token is malformed');
  const issues: ValidationIssue[] = [];
  const proof = secondFactorOf(Object.fromEntries(params), issues, { code: 'otp', recoveryCode: 'recovery_code' });
  if (!proof) throw invalidRequest(issues[0]?.msg.replace(/^Value error, /, '') ?? 'otp or recovery_code is required');
  return mfa.verify(mfaToken, proof, meta, { family: 'oauth', clientId, extras: { grant } });
}

export const handler = oauthHandler(oauth2Token);
