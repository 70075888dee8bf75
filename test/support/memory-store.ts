import { ServiceUnavailableError } from '../../functions/core/errors';
import type {
  AuthStore,
  FailureCount,
  OwnSession,
  Rotation,
  SessionRecord,
  ThrottleRecord,
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
  failing = false;
  calls = 0;

  private touch() {
    this.calls++;
    if (this.failing) throw new ServiceUnavailableError('store');
  }
  private copy<T>(v: T | undefined): T | undefined {
    return v === undefined ? undefined : structuredClone(v);
  }

  async getUser(username: string) {
    this.touch();
    return this.copy(this.users.get(username));
  }
  async getLoginState(username: string, ip: string) {
    this.touch();
    return {
      user: this.copy(this.users.get(username)),
      userThrottle: this.copy(this.throttles.get(throttleId({ kind: 'user', username }))),
      ipThrottle: this.copy(this.throttles.get(throttleId({ kind: 'ip', ip }))),
    };
  }
  async addFailure(subject: ThrottleSubject, { at, windowMs, expiry }: FailureCount) {
    this.touch();
    const id = throttleId(subject);
    const cur = this.throttles.get(id);
    // Whole seconds, as the table's TTL attribute keeps them.
    const end = Math.ceil((at + windowMs) / 1000) * 1000;
    const next: ThrottleRecord =
      cur && cur.expiresAt > at
        ? { ...cur, failures: cur.failures + 1, expiresAt: expiry === 'sliding' ? end : cur.expiresAt }
        : { failures: 1, lockedUntil: 0, windowStart: at, expiresAt: end };
    this.throttles.set(id, next);
    return { ...next };
  }
  async setLock(subject: ThrottleSubject, { lockedUntil, expiresAt }: { lockedUntil: number; expiresAt: number }) {
    this.touch();
    const cur = this.throttles.get(throttleId(subject));
    if (cur && cur.lockedUntil < lockedUntil)
      this.throttles.set(throttleId(subject), { ...cur, lockedUntil, expiresAt });
  }
  async clearThrottle(subject: ThrottleSubject) {
    this.touch();
    this.throttles.delete(throttleId(subject));
  }
  async getSessionAndUser(sid: string, username: string) {
    this.touch();
    return { session: this.copy(this.sessions.get(sid)), user: this.copy(this.users.get(username)) };
  }
  async getSession(sid: string) {
    this.touch();
    return this.copy(this.sessions.get(sid));
  }
  async putSession(session: SessionRecord) {
    this.touch();
    this.sessions.set(session.sid, { ...session });
  }
  async rotateSession(sid: string, r: Rotation) {
    this.touch();
    const s = this.sessions.get(sid);
    if (!s || s.jti !== r.prevJti) return false;
    this.sessions.set(sid, {
      ...s,
      jti: r.jti,
      prevJti: r.prevJti,
      rotatedAt: r.rotatedAt,
      lastUsedAt: r.rotatedAt,
      expiresAt: r.expiresAt,
    });
    return true;
  }
  async deleteSessions(sids: string[]) {
    this.touch();
    const old: SessionRecord[] = [];
    for (const sid of sids) {
      const s = this.sessions.get(sid);
      if (s) old.push(s);
      this.sessions.delete(sid);
    }
    return old;
  }
  async deleteOwnSession({ sid, username, now, createdAfter }: OwnSession) {
    this.touch();
    const s = this.sessions.get(sid);
    if (!s || s.username !== username || s.expiresAt <= now || s.createdAt <= createdAfter) return false;
    this.sessions.delete(sid);
    return true;
  }
  async endAllSessions(username: string, at: number) {
    this.touch();
    const u = this.users.get(username);
    if (!u) return false;
    u.sessionsValidAfter = at;
    return true;
  }
  async listSessionIds(username: string) {
    this.touch();
    return [...this.sessions.values()].filter((s) => s.username === username).map((s) => s.sid);
  }
  async getSessions(sids: string[]) {
    this.touch();
    return sids.map((sid) => this.copy(this.sessions.get(sid))).filter((s): s is SessionRecord => s !== undefined);
  }
  async putUser(user: UserRecord, { overwrite }: { overwrite: boolean }) {
    this.touch();
    if (this.users.has(user.username) && !overwrite) return false;
    this.users.set(user.username, { ...user });
    return true;
  }
  async setDisabled(username: string, { disabled, endSessionsAt }: { disabled: boolean; endSessionsAt?: number }) {
    this.touch();
    const user = this.users.get(username);
    if (!user) return false;
    this.users.set(username, {
      ...user,
      disabled,
      ...(endSessionsAt === undefined ? {} : { sessionsValidAfter: endSessionsAt }),
    });
    return true;
  }
  async deleteUser(username: string) {
    this.touch();
    return this.users.delete(username);
  }
  async listUsers() {
    this.touch();
    return [...this.users.values()];
  }
}
