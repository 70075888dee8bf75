import type { AuthMethod, PendingMfaStore } from './mfa-ports';
import type { OneTimeTokenKind } from './one-time-tokens';

/**
 * The persistence the domain needs, implemented by functions/store (DynamoDB) and by in-memory
 * fakes in tests. Every instant is epoch milliseconds; the store converts TTL attributes to seconds.
 */

export interface UserRecord {
  username: string;
  passwordHash: string;
  email?: string;
  fullName?: string;
  disabled: boolean;
  createdAt: number;
  /**
   * Sessions created at or before this instant are ended: logout-all writes it, with the function's
   * own clock. (The lever and the administrator's commands end sessions with no clock of theirs:
   * `globalGeneration` below, and a new credential version.)
   */
  sessionsValidAfter?: number;
  /**
   * A random id, new whenever the password is replaced; a session born under another one is ended.
   * Absent on users written before the rule: the one legacy version.
   */
  credentialVersion?: string;
  /** False only for a signed-up user who has not verified the address yet; absent means verified. */
  emailVerified?: boolean;
  /**
   * The emergency lever's generation (`GLOBAL#sessions`), read in the same request as the user and
   * never stored on the user item: a session born under an earlier generation is ended.
   */
  globalGeneration?: number;
  /** When TOTP was confirmed: MFA is on exactly while this is set (docs/mfa.md). */
  totpEnabledAt?: number;
  /** The WebAuthn user handle: 32 random bytes (base64url) made at the first passkey registration, kept. */
  userHandle?: string;
}

export interface SessionRecord extends SessionGrant {
  sid: string;
  username: string;
  /** Id of the session's one live refresh token. */
  jti: string;
  /** Id of the token `jti` replaced, and when: the retry grace window's memory. */
  prevJti?: string;
  rotatedAt?: number;
  /**
   * The tokens replaced before `prevJti`, newest first, each with the instant it was replaced: a slow
   * tab's token from further back in the chain is still a retry within the grace window. Bounded
   * (REPLACED_TOKENS_KEPT in refresh-chain.ts), and only those replaced within the window are kept.
   */
  olderJtis?: ReplacedToken[];
  /** The login. */
  createdAt: number;
  /** The last refresh (the login, until one happens). */
  lastUsedAt: number;
  /** The current refresh token's expiry (a whole second), also the table's TTL. */
  expiresAt: number;
  /** No refresh may take the session past this (SESSION_MAX_SECONDS after login; a whole second). */
  absoluteExpiresAt: number;
  /** The user's credential version at login (absent: the legacy version). */
  credentialVersion?: string;
  /** The OAuth `client_id` the login named (absent: the default client); its access tokens carry it. */
  clientId?: string;
  /** The emergency lever's generation at login (absent: 0, before the lever was first pulled). */
  globalGeneration?: number;
  /** When its user last proved a credential for it (absent on sessions from before the rule: never recent). */
  authAt?: number;
  /** How (RFC 8176): `["pwd"]`, `["pwd", "otp", "mfa"]`, ... */
  amr?: AuthMethod[];
  /** `sso`: a hosted-page login's browser session, no refresh token (absent: `login`). */
  kind?: 'login' | 'sso';
  /** An SSO session's browser secret, as its SHA-256 (base64url). */
  ssoHash?: string;
}

/** What the OAuth client of a new session adds to it (docs/authorization-server.md). */
export interface SessionGrant {
  /** The scopes granted (absent: none); access tokens carry them as `scope`. */
  scope?: string[];
  /** Opened by a registered client: refreshing needs it, named and still registered. */
  clientRegistered?: boolean;
  /** Opened by a third-party client: its tokens never act on the account. */
  thirdParty?: boolean;
}

/** Failed-login bookkeeping for one username or one source IP. */
export interface ThrottleRecord {
  failures: number;
  /** 0 when not locked. */
  lockedUntil: number;
  /** The first failure of the current window (per-IP counting). */
  windowStart: number;
  /** The record is forgotten then (TTL). */
  expiresAt: number;
}

export type ThrottleSubject = { kind: 'user'; username: string } | { kind: 'ip'; ip: string };

/**
 * A compare-and-set of a throttle record: written only if the record is still `expected` (absent or expired when
 * undefined).
 */
export interface ThrottleReplacement {
  next: ThrottleRecord;
  expected: ThrottleRecord | undefined;
  now: number;
}

/**
 * One place in an IP's count: taken unless the window started at or before `at` already holds more than `maxFailures`.
 */
export interface IpPlaceRequest {
  at: number;
  /** A new window lives this long from its first failure. */
  windowMs: number;
  maxFailures: number;
}

/**
 * The failure counts of the brute-force rule (core/attempts.ts), as atomic single-item writes: every
 * attempt takes its place before its password is checked.
 */
export interface AttemptStore {
  getThrottle(subject: ThrottleSubject): Promise<ThrottleRecord | undefined>;
  /** Writes `next` only if the record is still as `expected` (same failures and lock); false otherwise. */
  replaceThrottle(subject: ThrottleSubject, replacement: ThrottleReplacement): Promise<boolean>;
  /**
   * Adds one to a username record atomically (starting it when absent), only if it is unlocked and the result stays
   * below `below` (no lock follows). Placed: the new record. Refused (the condition did not hold, an expired record
   * still in the table too): the record as found, undefined when absent.
   */
  addUserPlace(
    username: string,
    request: { at: number; windowMs: number; below: number },
  ): Promise<{ placed: boolean; record?: ThrottleRecord }>;
  /** Adds one to the IP's count atomically if it holds at most `maxFailures`; returns the record either way. */
  takeIpPlace(ip: string, request: IpPlaceRequest): Promise<{ placed: boolean; record: ThrottleRecord }>;
  /**
   * Gives a username place back after a right password: the record goes (a success resets the count) if nobody took a
   * place since `mine` or this is the last place left, else only this place is taken off (other attempts are in
   * flight).
   */
  releaseUserPlace(username: string, mine: ThrottleRecord): Promise<void>;
  /**
   * Gives back one place taken but never used (the other count refused the attempt): failures - 1 in
   * the window `mine` was taken in. Every other failure stays, and so does any lock: while the record
   * locks, and giving the place back would take it below the threshold that makes the lock count, the
   * place stays (a lock that place helped set is the lock concurrent attempts already saw).
   */
  takeBackUserPlace(username: string, mine: ThrottleRecord, rule: { now: number; maxFailures: number }): Promise<void>;
  /** Takes one off the IP's count, if it is still the window the place was taken in. */
  releaseIpPlace(ip: string, windowStart: number): Promise<void>;
  clearThrottle(subject: ThrottleSubject): Promise<void>;
}

/** A refresh token id the session's chain moved past, and when it was replaced. */
export interface ReplacedToken {
  jti: string;
  rotatedAt: number;
}

/** What changes when a refresh token is rotated. */
export interface Rotation {
  jti: string;
  prevJti: string;
  rotatedAt: number;
  expiresAt: number;
  /** The session's `olderJtis` after this rotation (written whole: the `jti` condition orders writers). */
  olderJtis: ReplacedToken[];
}

/** Which session `deleteOwnSession` may end: only a live one of `username` created after `createdAfter`. */
export interface OwnSession {
  sid: string;
  username: string;
  now: number;
  createdAfter: number;
  /** The user's credential version: a session born under another one is not live. */
  credentialVersion?: string;
}

export interface AuthStore extends AttemptStore, PendingMfaStore {
  /**
   * The user with the lever's `globalGeneration` (which the new session records), strongly consistent, in one
   * round trip. A login sends it beside the attempt's places (core/attempts.ts): the counts are not read first.
   */
  getLoginUser(username: string): Promise<UserRecord | undefined>;
  /**
   * Session and user read together and strongly consistent: one round trip per protected request.
   * The user carries the lever's `globalGeneration`; its `sessionsValidAfter` is the later of its own
   * and the lever's from before generations (an instant some deployments still hold).
   */
  /**
   * The session and its user in one strongly consistent read. The user's password hash only when asked
   * (the password change): no other function may read it (docs/security.md "Least privilege").
   */
  getSessionAndUser(
    sid: string,
    username: string,
    options?: { passwordHash?: boolean },
  ): Promise<{ session?: SessionRecord; user?: UserRecord }>;
  getSession(sid: string): Promise<SessionRecord | undefined>;
  putSession(session: SessionRecord): Promise<void>;
  /**
   * Rotates the refresh token in one conditional write (`jti` must still be `rotation.prevJti`); false if it no longer
   * is.
   */
  rotateSession(sid: string, rotation: Rotation): Promise<boolean>;
  /** Deletes sessions by id, absent ones included; returns the items that existed. */
  deleteSessions(sids: string[]): Promise<SessionRecord[]>;
  /** Deletes a session only if it is a live session of its user created after `createdAfter`; false otherwise. */
  deleteOwnSession(own: OwnSession): Promise<boolean>;

  /** Ends every session of the user at once (sets sessionsValidAfter); false if there is no such user. */
  endAllSessions(username: string, at: number): Promise<boolean>;
  /** Ids of the user's session items, from the index (eventually consistent on AWS: housekeeping and listing only). */
  listSessionIds(username: string): Promise<string[]>;
  /** The sessions with these ids, strongly consistent. */
  getSessions(sids: string[]): Promise<SessionRecord[]>;
  /**
   * Rehash on login: the same password at another cost, written only if the stored hash is still `checked` (the
   * credential version stays: the password did not change). False when it is not.
   */
  replacePasswordHash(username: string, change: { checked: string; next: string }): Promise<boolean>;
  /**
   * A password change's first write: the caller's own session moves to the new credential version
   * with a new refresh token id (`jti`, the refresh token's expiry with it), and forgets the one it
   * replaced: every refresh token of the session from before the change is dead at once, with no
   * grace window. False when the session is gone.
   */
  moveSessionToVersion(
    sid: string,
    username: string,
    change: { credentialVersion: string; jti: string; expiresAt: number },
  ): Promise<boolean>;
  /**
   * A password change's commit: the new hash and credential version in one write, only if the stored hash is still
   * `checked`. False when it is not.
   */
  replaceCredentials(
    username: string,
    change: { checked: string; passwordHash: string; credentialVersion: string },
  ): Promise<boolean>;
}

/** A one-time token as the table holds it: only the SHA-256 of the token itself. */
export interface OneTimeTokenRecord {
  hash: string;
  kind: OneTimeTokenKind;
  username: string;
  /** Epoch ms; also the item's TTL. */
  expiresAt: number;
  /** A reset link is good only while the user's credentials are those it was sent for (absent: legacy). */
  credentialVersion?: string;
  /** A verification link verifies this address only. */
  email?: string;
}

/**
 * A per-IP or per-user count of the account routes (forgot, resend, sign-up, messages sent): its own
 * record beside the login's, so that these requests never lock anyone out of logging in.
 */
export type CounterSubject =
  | { kind: 'ip'; ip: string; scope: 'password_reset' | 'email_verify' | 'signup' | 'client_registration' }
  | { kind: 'user'; username: string; scope: 'password_reset' | 'email_verify' };

/** The persistence of the account flows (core/recovery.ts, core/signup.ts, core/account-mail.ts). */
/**
 * One username per confusable skeleton (functions/core/username-skeleton.ts): a claim item written
 * before a user is created, so two look-alike names cannot both be registered, even at once.
 */
export interface NameClaims {
  /** Claims the skeleton for `username`: true when it was free or already this username's. */
  claimName(skeleton: string, username: string): Promise<boolean>;
}

export interface AccountStore extends NameClaims {
  getUser(username: string): Promise<UserRecord | undefined>;
  /** Writes a new user; false when the username is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  /** One atomic add, refused once the window holds more than `maxFailures` (the IP place's rule). */
  takeCountPlace(
    subject: CounterSubject,
    request: IpPlaceRequest,
  ): Promise<{ placed: boolean; record: ThrottleRecord }>;
  putOneTimeToken(token: OneTimeTokenRecord): Promise<void>;
  /** A strongly consistent read. */
  getOneTimeToken(hash: string): Promise<OneTimeTokenRecord | undefined>;
  /**
   * Uses a token up: deletes it only if it is still there and unexpired. Exactly one of any number of
   * concurrent callers gets true.
   */
  consumeOneTimeToken(hash: string, now: number): Promise<boolean>;
  /** Puts a consumed token back after the write it was for failed (only if nothing took its place). */
  restoreOneTimeToken(token: OneTimeTokenRecord): Promise<void>;
  /**
   * A reset's commit: new hash and credential version, only if the user exists, is enabled and still
   * has `expectedVersion` (absent: the legacy version). False otherwise.
   */
  resetCredentials(
    username: string,
    change: { passwordHash: string; credentialVersion: string; expectedVersion?: string },
  ): Promise<boolean>;
  /** Marks the address verified, only if the user exists and `email` is still its address. */
  markEmailVerified(username: string, email: string): Promise<boolean>;
  clearThrottle(subject: ThrottleSubject): Promise<void>;
  listSessionIds(username: string): Promise<string[]>;
  deleteSessions(sids: string[]): Promise<SessionRecord[]>;
}

/** A message to send: plain text and short (docs/architecture.md "Email"). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends one message (SES deployed, the dev server's outbox locally); throws when it could not. */
export interface MailSender {
  send(message: MailMessage): Promise<void>;
}

/**
 * What the account routes hand to the mail worker: a username and what was asked for, never a token
 * (the worker makes it). The same job whether or not the user exists, so the answer takes as long.
 */
export interface MailJob {
  kind: OneTimeTokenKind;
  username: string;
  requestedAt: number;
  sourceIp?: string;
  userAgent?: string;
}

/** The asynchronous hand-off: deployed an SQS queue, locally the same process after the answer. */
export interface MailQueue {
  enqueue(job: MailJob): Promise<void>;
}

export interface UserAdminStore extends NameClaims {
  getUser(username: string): Promise<UserRecord | undefined>;
  /** The username holding the skeleton's claim, if any. */
  nameHolder(skeleton: string): Promise<string | undefined>;
  /** Frees the skeleton's claim if `username` holds it (a removed user's name is free again). */
  releaseName(skeleton: string, username: string): Promise<void>;
  /** Writes the user; returns false when it exists and `overwrite` is not set. */
  putUser(user: UserRecord, options: { overwrite: boolean }): Promise<boolean>;
  /**
   * Sets `disabled` (and, when given, a new credential version, which ends every session: no clock
   * needed); returns false when there is no such user.
   */
  setDisabled(username: string, change: { disabled: boolean; credentialVersion?: string }): Promise<boolean>;
  /** Deletes the user; returns false when there was none. */
  deleteUser(username: string): Promise<boolean>;
  /**
   * An administrator's new password: hash and credential version replaced in one write (the new
   * version ends every session); false when there is no such user.
   */
  setPassword(username: string, change: { passwordHash: string; credentialVersion: string }): Promise<boolean>;
  /** Marks the user's address verified; false when there is no such user. */
  setEmailVerified(username: string): Promise<boolean>;
  /**
   * `mfa-reset`: removes TOTP, a pending setup and the recovery codes, with a new credential version
   * in the same write (every session and every pending MFA token ends); false when there is no such user.
   */
  resetSecondFactor(username: string, credentialVersion: string): Promise<boolean>;
  /** Deletes every passkey of the user; returns how many. */
  removePasskeys(username: string): Promise<number>;
  /** Gives the user's passkeys to their new name; returns how many moved. */
  movePasskeys(from: string, to: string): Promise<number>;
  /**
   * The emergency lever: the global generation + 1, so every session born before ends; returns the
   * new generation. No clock: an operator's clock must not decide who is logged out.
   */
  endEverySession(): Promise<number>;
  /** Takes a mistaken pull back: the generation - 1 (never below 0); returns it. */
  undoEndEverySession(): Promise<number>;
  listUsers(): Promise<UserRecord[]>;
  listSessionIds(username: string): Promise<string[]>;
  deleteSessions(sids: string[]): Promise<SessionRecord[]>;
}
