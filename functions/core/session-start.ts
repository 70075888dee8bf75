import type { SessionStart } from './mfa-ports';
import type { SessionRecord, UserRecord } from './ports';
import { secondsMs, wholeSecond } from './time';
import { newId } from './tokens';

/** How long sessions live (AuthSettings' part of it). */
export interface SessionLifetimes {
  refreshTokenTtl: number;
  sessionMaxSeconds: number;
  /** SSO_SESSION_SECONDS: a hosted-page login's browser session, not extended by use (default 86400). */
  ssoSessionSeconds?: number;
}

export const DEFAULT_SSO_SESSION_SECONDS = 86_400;

/**
 * A new session of `user`, started at `nowMs` (AuthService.startSession writes it). A login session's
 * refresh token lives REFRESH_TOKEN_TTL_SECONDS and rotates; an SSO session (docs/authorization-server.md
 * "SSO") has no refresh token to rotate: it lives SSO_SESSION_SECONDS from the login, and its browser
 * holds only a secret whose SHA-256 the item keeps.
 */
export function newSessionRecord(
  user: UserRecord,
  nowMs: number,
  start: Pick<SessionStart, 'clientId' | 'grant' | 'sid' | 'sso'>,
  lifetimes: SessionLifetimes,
): SessionRecord {
  const begun = wholeSecond(nowMs);
  const lifetime = start.sso
    ? (lifetimes.ssoSessionSeconds ?? DEFAULT_SSO_SESSION_SECONDS)
    : Math.min(lifetimes.refreshTokenTtl, lifetimes.sessionMaxSeconds);
  const absoluteExpiresAt = begun + secondsMs(start.sso ? lifetime : lifetimes.sessionMaxSeconds);
  return {
    sid: start.sid ?? newId(),
    username: user.username,
    jti: newId(),
    createdAt: nowMs,
    lastUsedAt: nowMs,
    expiresAt: Math.min(begun + secondsMs(lifetime), absoluteExpiresAt),
    absoluteExpiresAt,
    // Born under the credential it proved: if that is replaced meanwhile, the session is dead on arrival.
    credentialVersion: user.credentialVersion,
    clientId: start.clientId,
    // Born under the lever's generation read with the user: a pull meanwhile ends it on arrival.
    ...(user.globalGeneration ? { globalGeneration: user.globalGeneration } : {}),
    ...start.grant,
    ...(start.sso ? { kind: 'sso' as const, ssoHash: start.sso.secretHash } : {}),
  };
}
