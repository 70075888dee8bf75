import { canonicalUsername, USERNAME_PROBLEMS } from '../core/usernames';
import { assertOriginAllowed } from '../http/csrf';
import {
  assertNoScope,
  invalidRequest,
  OAuthError,
  oauthHandler,
  oauthJson,
  parseOAuthForm,
  required,
} from '../http/oauth';
import type { ValidationIssue } from '../http/errors';
import { MFA_TOKEN_PATTERN, secondFactorOf } from '../http/mfa-request';
import { requestMeta } from '../http/request';
import type { RequestMeta } from '../core/auth';
import { auth, config } from './runtime';
import { mfa } from './mfa-runtime';
import { passkeys } from './passkey-runtime';
import { assertionFromText } from '../http/passkey-request';
import type { IssuedTokens } from '../core/auth';
import type { HttpEvent, HttpResult } from '../http/types';

/** Our own grant type for the MFA step (RFC 6749 §4.5: an absolute URI the server defines; docs/mfa.md). */
export const MFA_GRANT = 'urn:serverless-auth-api:params:oauth:grant-type:mfa';
/** Our own grant type for a passkey login from a native app (docs/passkeys.md "Native apps"). */
export const PASSKEY_GRANT = 'urn:serverless-auth-api:params:oauth:grant-type:passkey';
const GRANTS = ['password', 'refresh_token', MFA_GRANT, PASSKEY_GRANT];

const passkeysOn = config.webauthn !== undefined;

/**
 * POST /oauth2/token (RFC 6749 §4.3 and §6): the password and refresh_token grants, and our MFA and
 * passkey grants, for clients that cannot hold an HttpOnly cookie. The same AuthService as /auth/token
 * and /auth/refresh (sessions, rotation, grace window, reuse detection, the lockout's places, audit);
 * the refresh token travels in the body and no cookie is set (docs/http-contract.md "OAuth 2.0 endpoints").
 */
export async function oauth2Token(event: HttpEvent): Promise<HttpResult> {
  assertOriginAllowed(event, config.allowedOrigins);
  const { params, clientId } = parseOAuthForm(event);
  const grant = required(params, 'grant_type');
  const meta = requestMeta(event);
  // The passkey grant exists where the passkey routes do: with an RP ID configured.
  if (!GRANTS.includes(grant) || (grant === PASSKEY_GRANT && !passkeysOn))
    throw new OAuthError(
      400,
      'unsupported_grant_type',
      `grant_type must be password, refresh_token, ${MFA_GRANT}${passkeysOn ? ` or ${PASSKEY_GRANT}` : ''}`,
    );
  // Checked before any credential: a refused request changes nothing (no attempt counted, no rotation).
  assertNoScope(params);
  let issued: IssuedTokens;
  if (grant === 'password') {
    const canonical = canonicalUsername(required(params, 'username'));
    const password = required(params, 'password');
    if ('problem' in canonical) throw invalidRequest(USERNAME_PROBLEMS[canonical.problem]);
    issued = await auth.login(canonical.username, password, meta, { clientId, family: 'oauth' });
  } else if (grant === MFA_GRANT) {
    issued = await mfaGrant(params, meta, clientId);
  } else if (grant === PASSKEY_GRANT) {
    const parsed = assertionFromText(required(params, 'credential'));
    if ('problem' in parsed) throw invalidRequest(parsed.problem);
    issued = await passkeys.login(parsed.credential, meta, { family: 'oauth', clientId });
  } else {
    issued = await auth.refresh(required(params, 'refresh_token'), meta, { clientId });
  }
  return oauthJson(200, {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: config.accessTokenTtl,
    refresh_token: issued.refreshToken,
    scope: '',
  });
}

/**
 * The second factor of a password grant that answered `mfa_required` (docs/mfa.md): `mfa_token` and
 * exactly one of `otp` and `recovery_code` (`otpauth` and the MFA key are loaded by the first one).
 */
async function mfaGrant(params: Map<string, string>, meta: RequestMeta, clientId: string | undefined) {
  const mfaToken = required(params, 'mfa_token');
  if (!MFA_TOKEN_PATTERN.test(mfaToken)) throw invalidRequest('mfa_token is malformed');
  const issues: ValidationIssue[] = [];
  const proof = secondFactorOf(Object.fromEntries(params), issues, { code: 'otp', recoveryCode: 'recovery_code' });
  if (!proof) throw invalidRequest(issues[0]?.msg.replace(/^Value error, /, '') ?? 'otp or recovery_code is required');
  return mfa.verify(mfaToken, proof, meta, { family: 'oauth', clientId });
}

export const handler = oauthHandler(oauth2Token);
