import type { Audit, RequestMeta } from './auth';
import type { AuthStore, SessionRecord, UserRecord } from './ports';

/**
 * At most `cap` live sessions per user (docs/http-contract.md "Session cap"): a login beyond it ends
 * the user's oldest ones. Housekeeping after the login's commit point: a failure here changes no answer.
 */
export class SessionCap {
  constructor(
    private readonly store: AuthStore,
    private readonly cap: number,
    /** AuthService.alive: whether a session of this user still lives. */
    private readonly alive: (session: SessionRecord, user: UserRecord, nowMs: number) => boolean,
    private readonly audit: Audit,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Ends the oldest sessions beyond the cap. `listed` is the index query the login sent beside its
   * session's write (so without that session; the index may lag a login or two on AWS, which the next
   * login catches up on). Below the cap nothing more is sent.
   */
  async evict(user: UserRecord, current: SessionRecord, meta: RequestMeta, listed: Promise<string[]>): Promise<void> {
    try {
      const ids = new Set(await listed);
      ids.add(current.sid);
      if (ids.size <= this.cap) return;
      const nowMs = this.now();
      const all = [...(await this.store.getSessions([...ids].filter((id) => id !== current.sid))), current];
      const alive = all.filter((s) => this.alive(s, user, nowMs)).sort((a, b) => b.createdAt - a.createdAt);
      const evicted = alive.slice(this.cap).filter((s) => s.sid !== current.sid);
      if (evicted.length === 0) return;
      await this.store.deleteSessions(evicted.map((s) => s.sid));
      for (const s of evicted) this.audit('session_evicted', { username: user.username, sid: s.sid, ...meta });
    } catch (err) {
      this.onError(err);
    }
  }
}
