/** The persistence the domain needs, implemented by functions/store (DynamoDB) and by in-memory fakes in tests. */

export interface UserRecord {
  username: string;
  passwordHash: string;
  email?: string;
  fullName?: string;
  disabled: boolean;
  createdAt: number;
  /** Epoch ms: sessions created at or before this instant are ended (logout-all, disable, overwrite). */
  sessionsValidAfter?: number;
}

export interface SessionRecord {
  sid: string;
  username: string;
  /** Id of the session's one live refresh token. */
  jti: string;
  /** Epoch ms of the login. */
  createdAt: number;
  /** Epoch ms of the last refresh (the login, until one happens). */
  lastUsedAt: number;
  /** Epoch seconds: the refresh token's expiry, also the table's TTL attribute. */
  expiresAt: number;
}

export interface AuthStore {
  getUser(username: string): Promise<UserRecord | undefined>;
  /** Session and user read together and strongly consistent: one round trip per protected request. */
  getSessionAndUser(sid: string, username: string): Promise<{ session?: SessionRecord; user?: UserRecord }>;
  putSession(session: SessionRecord): Promise<void>;
  /** Deletes sessions by id; absent ones are fine (logout is idempotent). */
  deleteSessions(sids: string[]): Promise<void>;
}

export interface UserAdminStore {
  getUser(username: string): Promise<UserRecord | undefined>;
  /** Writes the user; returns false when it exists and `overwrite` is not set. */
  putUser(user: UserRecord, overwrite: boolean): Promise<boolean>;
  /** Sets `disabled`; returns false when there is no such user. */
  setDisabled(username: string, disabled: boolean, endSessionsAt?: number): Promise<boolean>;
  /** Deletes the user; returns false when there was none. */
  deleteUser(username: string): Promise<boolean>;
  listUsers(): Promise<UserRecord[]>;
}
