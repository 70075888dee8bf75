import type { AuthorizationRequest } from './authorization';
import type { AuthMethod } from './mfa-ports';
import type { SessionRecord, UserRecord } from './ports';

/** Who a pending authorization's browser proved to be, once they have (consent still to come). */
export interface AuthorizedUser {
  username: string;
  authAt: number;
  amr: AuthMethod[];
  credentialVersion?: string;
  globalGeneration?: number;
}

/**
 * A request waiting for its browser's login or consent (`AUTHZ#<id>`, 10 minutes): bound to the browser
 * by the SHA-256 of its `authz` cookie, so a form posted from another browser is refused.
 */
export interface PendingAuthorization {
  id: string;
  request: AuthorizationRequest;
  browserHash: string;
  createdAt: number;
  expiresAt: number;
  user?: AuthorizedUser;
}

/** An authorization code's item (`CODE#<sha256 of code>`): valid 60 s, kept a day as the replay record. */
export interface AuthorizationCode extends AuthorizedUser {
  hash: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string[];
  nonce?: string;
  issuedAt: number;
  codeExpiresAt: number;
  /** Set by the one redemption that won, with the session it started. */
  usedAt?: number;
  sid?: string;
}

/** The authorization server's items (functions/store/authorization-store.ts). */
export interface AuthorizationStore {
  putPendingAuthorization(pending: PendingAuthorization): Promise<void>;
  getPendingAuthorization(id: string, nowMs: number): Promise<PendingAuthorization | undefined>;
  /** Records the logged-in user on a live pending authorization; false when it is gone. */
  setAuthorizedUser(id: string, user: AuthorizedUser, nowMs: number): Promise<boolean>;
  /** Deletes it if it still lives (one conditional delete): undefined when another request used it first. */
  consumePendingAuthorization(id: string, nowMs: number): Promise<PendingAuthorization | undefined>;
  putCode(code: AuthorizationCode): Promise<void>;
  getCode(hash: string): Promise<AuthorizationCode | undefined>;
  deleteCode(hash: string): Promise<void>;
  /** Marks it used by `sid`, if no one has (one conditional update): false when another redemption won. */
  markCodeUsed(hash: string, use: { usedAt: number; sid: string }): Promise<boolean>;
  /** Takes a failed redemption's mark back, if it is still this one's. */
  unmarkCode(hash: string, sid: string): Promise<void>;
  /** A session (an SSO session is one) and the user's profile with the lever's generation. */
  getSession(sid: string): Promise<SessionRecord | undefined>;
  getPasskeyUser(username: string): Promise<UserRecord | undefined>;
  deleteSessions(sids: string[]): Promise<unknown>;
}
