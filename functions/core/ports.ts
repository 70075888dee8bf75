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
  /** Sessions created at or before this instant are ended (logout-all, disable, overwrite). */
  sessionsValidAfter?: number;
}

export interface SessionRecord {
  sid: string;
  username: string;
  /** Id of the session's one live refresh token. */
  jti: string;
  /** Id of the token `jti` replaced, and when: the retry grace window's memory. */
  prevJti?: string;
  rotatedAt?: number;
  /** The login. */
  createdAt: number;
  /** The last refresh (the login, until one happens). */
  lastUsedAt: number;
  /** The current refresh token's expiry (a whole second), also the table's TTL. */
  expiresAt: number;
  /** No refresh may take the session past this (SESSION_MAX_SECONDS after login; a whole second). */
  absoluteExpiresAt: number;
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

/** One failure to count: when, and how the record's expiry moves. */
export interface FailureCount {
  at: number;
  /** How long a record lives: from its first failure (`fixed`) or from each failure (`sliding`). */
  windowMs: number;
  expiry: 'fixed' | 'sliding';
}

/** What changes when a refresh token is rotated. */
export interface Rotation {
  jti: string;
  prevJti: string;
  rotatedAt: number;
  expiresAt: number;
}

/** Which session `deleteOwnSession` may end: only a live one of `username` created after `createdAfter`. */
export interface OwnSession {
  sid: string;
  username: string;
  now: number;
  createdAfter: number;
}

export interface AuthStore {
  /** The user and both throttle records in one strongly consistent round trip. */
  getLoginState(
    username: string,
    ip: string,
  ): Promise<{ user?: UserRecord; userThrottle?: ThrottleRecord; ipThrottle?: ThrottleRecord }>;
  /**
   * Counts one failure atomically (concurrent failures are all counted) and returns the record.
   * An absent or expired record starts afresh, living `windowMs`.
   */
  addFailure(subject: ThrottleSubject, count: FailureCount): Promise<ThrottleRecord>;
  /** Locks until `lockedUntil` unless a longer lock is already set; the record then lives until `expiresAt`. */
  setLock(subject: ThrottleSubject, lock: { lockedUntil: number; expiresAt: number }): Promise<void>;
  clearThrottle(subject: ThrottleSubject): Promise<void>;

  /** Session and user read together and strongly consistent: one round trip per protected request. */
  getSessionAndUser(sid: string, username: string): Promise<{ session?: SessionRecord; user?: UserRecord }>;
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
}

export interface UserAdminStore {
  getUser(username: string): Promise<UserRecord | undefined>;
  /** Writes the user; returns false when it exists and `overwrite` is not set. */
  putUser(user: UserRecord, options: { overwrite: boolean }): Promise<boolean>;
  /** Sets `disabled` (and `sessionsValidAfter` when given); returns false when there is no such user. */
  setDisabled(username: string, change: { disabled: boolean; endSessionsAt?: number }): Promise<boolean>;
  /** Deletes the user; returns false when there was none. */
  deleteUser(username: string): Promise<boolean>;
  listUsers(): Promise<UserRecord[]>;
  listSessionIds(username: string): Promise<string[]>;
  deleteSessions(sids: string[]): Promise<SessionRecord[]>;
}
