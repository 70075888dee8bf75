import { ServiceUnavailableError } from '../../functions/core/errors';
import type { PendingMfa } from '../../functions/core/mfa-ports';
import type {
  AuthStore,
  IpPlaceRequest,
  OwnSession,
  Rotation,
  SessionRecord,
  ThrottleRecord,
  ThrottleReplacement,
  ThrottleSubject,
  UserAdminStore,
  UserRecord,
} from '../../functions/core/ports';

const throttleId = (s: ThrottleSubject) => (s.kind === 'user' ? `u:${s.username}` : `ip:${s.ip}`);

/** An in-memory AuthStore/UserAdminStore for unit tests; `failing` makes every call a store outage. */
export class MemoryStore implements AuthStore, UserAdminStore {
  users = new Map<string, UserRecord>();
  sessions = new Map<string, SessionRecord>();
  throttles = new Map<string, ThrottleRecord>();
  /** Look-alike claims: skeleton -> username. */
  names = new Map<string, string>();
  /** Pending MFA steps by the hash of their token. */
  pending = new Map<string, PendingMfa>();
  failing = false;
  calls = 0;

  /**
   * Called before every operation takes effect: a test can hold an operation here (a barrier) to
   * force an interleaving of concurrent requests. Each operation is atomic once it proceeds.
   */
  beforeOp?: (op: string) => Promise<void> | void;

  private touch() {
    this.calls++;
    if (this.failing) throw new ServiceUnavailableError('store');
  }
  protected async step(op: string) {
    await this.beforeOp?.(op);
    this.touch();
  }
  protected copy<T>(v: T | undefined): T | undefined {
    return v === undefined ? undefined : structuredClone(v);
  }

  async putPendingMfa(pending: PendingMfa) {
    await this.step('putPendingMfa');
    this.pending.set(pending.hash, structuredClone(pending));
  }
  async getUser(username: string) {
    await this.step('getUser');
    return this.copy(this.users.get(username));
  }
  async getLoginUser(username: string) {
    await this.step('getLoginUser');
    return this.withLever(this.copy(this.users.get(username)));
  }
  async getThrottle(subject: ThrottleSubject) {
    await this.step('getThrottle');
    return this.copy(this.throttles.get(throttleId(subject)));
  }
  async replaceThrottle(subject: ThrottleSubject, { next, expected, now }: ThrottleReplacement) {
    await this.step('replaceThrottle');
    const cur = this.throttles.get(throttleId(subject));
    const holds = expected
      ? cur !== undefined && cur.failures === expected.failures && cur.lockedUntil === expected.lockedUntil
      : cur === undefined || cur.expiresAt <= now;
    // Whole seconds, as the table's TTL attribute keeps them.
    if (holds) this.throttles.set(throttleId(subject), { ...next, expiresAt: Math.ceil(next.expiresAt / 1000) * 1000 });
    return holds;
  }
  async addUserPlace(username: string, { at, windowMs, below }: { at: number; windowMs: number; below: number }) {
    await this.step('addUserPlace');
    const id = throttleId({ kind: 'user', username });
    const cur = this.throttles.get(id);
    if (!cur) {
      const fresh = {
        failures: 1,
        lockedUntil: 0,
        windowStart: at,
        expiresAt: Math.ceil((at + windowMs) / 1000) * 1000,
      };
      this.throttles.set(id, fresh);
      return { placed: true, record: { ...fresh } };
    }
    if (cur.expiresAt <= at || cur.failures >= below - 1) return { placed: false, record: { ...cur } };
    cur.failures++;
    cur.expiresAt = Math.ceil((at + windowMs) / 1000) * 1000;
    return { placed: true, record: { ...cur } };
  }
  async takeIpPlace(ip: string, { at, windowMs, maxFailures }: IpPlaceRequest) {
    await this.step('takeIpPlace');
    const id = throttleId({ kind: 'ip', ip });
    const cur = this.throttles.get(id);
    if (cur && cur.expiresAt > at) {
      if (cur.failures > maxFailures) return { placed: false, record: { ...cur } };
      cur.failures++;
      return { placed: true, record: { ...cur } };
    }
    const fresh = { failures: 1, lockedUntil: 0, windowStart: at, expiresAt: Math.ceil((at + windowMs) / 1000) * 1000 };
    this.throttles.set(id, fresh);
    return { placed: true, record: { ...fresh } };
  }
  async releaseUserPlace(username: string, mine: ThrottleRecord) {
    await this.step('releaseUserPlace');
    const id = throttleId({ kind: 'user', username });
    const cur = this.throttles.get(id);
    if (!cur) return;
    if ((cur.failures === mine.failures && cur.lockedUntil === mine.lockedUntil) || cur.failures <= 1) {
      this.throttles.delete(id);
      return;
    }
    // Two requests, as in DynamoDB (a conditional delete, then a conditional add): others may run between.
    await this.step('releaseUserPlace:decrement');
    const now = this.throttles.get(id);
    if (now && now.failures > 0) now.failures--;
  }
  async takeBackUserPlace(username: string, mine: ThrottleRecord, rule: { now: number; maxFailures: number }) {
    await this.step('takeBackUserPlace');
    const cur = this.throttles.get(throttleId({ kind: 'user', username }));
    const keepsLock = cur !== undefined && cur.lockedUntil > rule.now && cur.failures <= rule.maxFailures;
    if (cur && cur.failures > 0 && cur.windowStart === mine.windowStart && !keepsLock) cur.failures--;
  }
  async releaseIpPlace(ip: string, windowStart: number) {
    await this.step('releaseIpPlace');
    const cur = this.throttles.get(throttleId({ kind: 'ip', ip }));
    if (cur && cur.failures > 0 && cur.windowStart === windowStart) cur.failures--;
  }
  async moveSessionToVersion(
    sid: string,
    username: string,
    change: { credentialVersion: string; jti: string; expiresAt: number },
  ) {
    await this.step('moveSessionToVersion');
    const session = this.sessions.get(sid);
    if (!session || session.username !== username) return false;
    Object.assign(session, { ...change, prevJti: undefined, rotatedAt: undefined, olderJtis: undefined });
    return true;
  }
  async replaceCredentials(
    username: string,
    { checked, passwordHash, credentialVersion }: { checked: string; passwordHash: string; credentialVersion: string },
  ) {
    await this.step('replaceCredentials');
    const user = this.users.get(username);
    if (!user || user.passwordHash !== checked || user.disabled) return false;
    Object.assign(user, { passwordHash, credentialVersion });
    return true;
  }
  async replacePasswordHash(username: string, { checked, next }: { checked: string; next: string }) {
    await this.step('replacePasswordHash');
    const user = this.users.get(username);
    if (!user || user.passwordHash !== checked) return false;
    user.passwordHash = next;
    return true;
  }
  async clearThrottle(subject: ThrottleSubject) {
    await this.step('clearThrottle');
    this.throttles.delete(throttleId(subject));
  }
  /** The emergency lever's generation (`GLOBAL#sessions`), absent until first pulled. */
  globalGeneration?: number;
  async getSessionAndUser(sid: string, username: string) {
    await this.step('getSessionAndUser');
    return { session: this.copy(this.sessions.get(sid)), user: this.withLever(this.copy(this.users.get(username))) };
  }
  /** The user with the lever folded in, as DynamoStore folds the `GLOBAL#sessions` item in. */
  protected withLever(user: UserRecord | undefined): UserRecord | undefined {
    if (!user || this.globalGeneration === undefined) return user;
    return { ...user, globalGeneration: this.globalGeneration };
  }
  async endEverySession() {
    await this.step('endEverySession');
    this.globalGeneration = (this.globalGeneration ?? 0) + 1;
    return this.globalGeneration;
  }
  async undoEndEverySession() {
    await this.step('undoEndEverySession');
    if (this.globalGeneration) this.globalGeneration--;
    return this.globalGeneration ?? 0;
  }
  async getSession(sid: string) {
    await this.step('getSession');
    return this.copy(this.sessions.get(sid));
  }
  async putSession(session: SessionRecord) {
    await this.step('putSession');
    this.sessions.set(session.sid, { ...session });
  }
  async rotateSession(sid: string, r: Rotation) {
    await this.step('rotateSession');
    const s = this.sessions.get(sid);
    if (!s || s.jti !== r.prevJti) return false;
    this.sessions.set(sid, {
      ...s,
      jti: r.jti,
      prevJti: r.prevJti,
      rotatedAt: r.rotatedAt,
      lastUsedAt: r.rotatedAt,
      expiresAt: r.expiresAt,
      olderJtis: r.olderJtis.map((t) => ({ ...t })),
    });
    return true;
  }
  async deleteSessions(sids: string[]) {
    await this.step('deleteSessions');
    const old: SessionRecord[] = [];
    for (const sid of sids) {
      const s = this.sessions.get(sid);
      if (s) old.push(s);
      this.sessions.delete(sid);
    }
    return old;
  }
  async deleteOwnSession({ sid, username, now, createdAfter, credentialVersion }: OwnSession) {
    await this.step('deleteOwnSession');
    const s = this.sessions.get(sid);
    if (!s || s.username !== username || s.expiresAt <= now || s.createdAt <= createdAfter) return false;
    if (s.credentialVersion !== credentialVersion) return false;
    this.sessions.delete(sid);
    return true;
  }
  async endAllSessions(username: string, at: number) {
    await this.step('endAllSessions');
    const u = this.users.get(username);
    if (!u) return false;
    u.sessionsValidAfter = at;
    return true;
  }
  async listSessionIds(username: string) {
    await this.step('listSessionIds');
    return [...this.sessions.values()].filter((s) => s.username === username).map((s) => s.sid);
  }
  async getSessions(sids: string[]) {
    await this.step('getSessions');
    return sids.map((sid) => this.copy(this.sessions.get(sid))).filter((s): s is SessionRecord => s !== undefined);
  }
  async putUser(user: UserRecord, { overwrite }: { overwrite: boolean }) {
    await this.step('putUser');
    if (this.users.has(user.username) && !overwrite) return false;
    this.users.set(user.username, { ...user });
    return true;
  }
  async resetSecondFactor(username: string, credentialVersion: string) {
    await this.step('resetSecondFactor');
    const user = this.users.get(username) as Record<string, unknown> | undefined;
    if (!user) return false;
    for (const k of ['totp', 'totpEnabledAt', 'totpLastStep', 'totpPending', 'recoveryCodes', 'recoverySetAt'])
      delete user[k];
    user.credentialVersion = credentialVersion;
    return true;
  }
  async setDisabled(
    username: string,
    { disabled, credentialVersion }: { disabled: boolean; credentialVersion?: string },
  ) {
    await this.step('setDisabled');
    const user = this.users.get(username);
    if (!user) return false;
    this.users.set(username, { ...user, disabled, ...(credentialVersion === undefined ? {} : { credentialVersion }) });
    return true;
  }
  async setPassword(username: string, change: { passwordHash: string; credentialVersion: string }) {
    await this.step('setPassword');
    const user = this.users.get(username);
    if (!user) return false;
    this.users.set(username, {
      ...user,
      passwordHash: change.passwordHash,
      credentialVersion: change.credentialVersion,
    });
    return true;
  }
  async setEmailVerified(username: string) {
    await this.step('setEmailVerified');
    const user = this.users.get(username);
    if (!user) return false;
    this.users.set(username, { ...user, emailVerified: true });
    return true;
  }
  async deleteUser(username: string) {
    await this.step('deleteUser');
    return this.users.delete(username);
  }
  async claimName(skeleton: string, username: string) {
    await this.step('claimName');
    const holder = this.names.get(skeleton);
    if (holder !== undefined && holder !== username) return false;
    this.names.set(skeleton, username);
    return true;
  }
  async nameHolder(skeleton: string) {
    await this.step('nameHolder');
    return this.names.get(skeleton);
  }
  async releaseName(skeleton: string, username: string) {
    await this.step('releaseName');
    if (this.names.get(skeleton) === username) this.names.delete(skeleton);
  }
  async listUsers() {
    await this.step('listUsers');
    return [...this.users.values()];
  }
  /** Passkey id -> owner: all the admin commands need of passkeys. */
  readonly passkeyOwners = new Map<string, string>();
  async removePasskeys(username: string) {
    await this.step('removePasskeys');
    const ids = [...this.passkeyOwners].filter(([, owner]) => owner === username).map(([id]) => id);
    for (const id of ids) this.passkeyOwners.delete(id);
    return ids.length;
  }
  async movePasskeys(from: string, to: string) {
    await this.step('movePasskeys');
    const ids = [...this.passkeyOwners].filter(([, owner]) => owner === from).map(([id]) => id);
    for (const id of ids) this.passkeyOwners.set(id, to);
    return ids.length;
  }
}
