import type { Audit, AuthService, Authenticated, RequestMeta } from './auth';
import { DomainError } from './errors';
import type { AuthStore, SessionRecord } from './ports';
import { isId } from './tokens';

/** A session as GET /auth/sessions shows it. */
export interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  current: boolean;
  kind: 'login' | 'sso';
  client_id: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Logout everywhere, listing and ending one's own sessions (docs/http-contract.md "Sessions"). */
export class SessionService {
  constructor(
    private readonly store: AuthStore,
    private readonly auth: AuthService,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
    /** Told when housekeeping after the commit point fails (the caller's answer does not change). */
    private readonly onCleanupError: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * Ends every session of the caller. The commit point is one conditional write on the user item
   * (sessionsValidAfter), which every session check reads, so even a session the index has not
   * caught up with is ended; deleting the items found through the index is housekeeping.
   */
  async logoutAll(presented: { accessToken?: string; refreshToken?: string }, meta: RequestMeta): Promise<number> {
    let caller: Authenticated;
    if (presented.accessToken) caller = await this.auth.authenticate(presented.accessToken);
    else if (presented.refreshToken) caller = await this.auth.authenticateRefresh(presented.refreshToken, meta);
    else throw new DomainError('not_authenticated');

    const { username } = caller.user;
    const at = this.now();
    if (!(await this.store.endAllSessions(username, at))) throw new DomainError('invalid_token');

    // Past the commit point every session is already ended, so a failing cleanup must not turn
    // the answer into a 503 (the retry would then meet its own ended session: a 401).
    let deleted: SessionRecord[] = [];
    try {
      const ids = new Set(await this.store.listSessionIds(username));
      ids.add(caller.session.sid);
      deleted = await this.store.deleteSessions([...ids]);
    } catch (err) {
      this.onCleanupError(err);
    }
    const before = caller.user.sessionsValidAfter ?? -1;
    const ended = deleted.filter((s) => s.username === username && s.createdAt > before && s.expiresAt > at);
    const revoked = Math.max(1, ended.length);
    this.audit('logout_all', { username, sid: caller.session.sid, revoked, ...meta });
    return revoked;
  }

  /** The caller's live sessions, newest first. */
  async list(accessToken: string | undefined): Promise<SessionView[]> {
    const { claims, user } = await this.auth.authenticate(accessToken);
    const ids = new Set(await this.store.listSessionIds(user.username));
    ids.add(claims.sid);
    const nowMs = this.now();
    const sessions = await this.store.getSessions([...ids]);
    return sessions
      .filter((s: SessionRecord) => this.auth.lives(s, user, claims, nowMs))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((s) => ({
        id: s.sid,
        created_at: iso(s.createdAt),
        last_used_at: iso(s.lastUsedAt),
        expires_at: iso(s.expiresAt),
        current: s.sid === claims.sid,
        // A hosted-page login's browser session, or a login of a client (docs/authorization-server.md "SSO").
        kind: s.kind ?? 'login',
        client_id: s.clientId ?? this.auth.defaultClientId,
      }));
  }

  /** Ends one of the caller's own live sessions; 404 for anything else, a malformed id without a table read. */
  async delete(accessToken: string | undefined, id: string | undefined, meta: RequestMeta): Promise<void> {
    if (!accessToken) throw new DomainError('not_authenticated');
    // A malformed id is answered before any table read (DynamoDB keys have size limits).
    if (!isId(id)) throw new DomainError('session_not_found');
    const { user } = await this.auth.authenticate(accessToken);
    const own = {
      sid: id,
      username: user.username,
      now: this.now(),
      createdAfter: user.sessionsValidAfter ?? -1,
      credentialVersion: user.credentialVersion,
    };
    if (!(await this.store.deleteOwnSession(own))) throw new DomainError('session_not_found');
    this.audit('session_deleted', { username: user.username, sid: id, ...meta });
  }
}
