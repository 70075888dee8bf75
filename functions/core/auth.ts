import { badCredentials, inactiveUser, invalidCredentials, invalidRefreshToken } from './errors';
import type { AuthStore, SessionRecord, UserRecord } from './ports';
import { PasswordChecker } from './passwords';
import { TokenError, TokenService, newId, type TokenClaims } from './tokens';

/** Who is asking, for the audit log only. */
export interface RequestMeta {
  sourceIp?: string;
  userAgent?: string;
}

export type AuditEvent =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_locked'
  | 'refresh'
  | 'refresh_token_reuse'
  | 'logout'
  | 'logout_all'
  | 'session_deleted';

/** One structured audit line; implementations must never receive a token or password (they are not passed). */
export type Audit = (event: AuditEvent, fields: { username?: string; sid?: string; reason?: string } & RequestMeta) => void;

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  sid: string;
}

export interface AuthSettings {
  refreshTokenTtl: number;
}

/** The login / refresh / logout / who-am-I rules of CONTRACT.md, over an AuthStore. */
export class AuthService {
  constructor(
    private readonly store: AuthStore,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordChecker,
    private readonly settings: AuthSettings,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks the password and starts a new session; every failure is the same 401. */
  async login(username: string, password: string, meta: RequestMeta): Promise<LoginResult> {
    const user = await this.store.getUser(username);
    const matches = await this.passwords.check(password, user?.passwordHash);
    if (!user || !matches || user.disabled) {
      this.audit('login_failed', { username, reason: !user ? 'unknown_user' : user.disabled && matches ? 'disabled' : 'bad_password', ...meta });
      throw badCredentials();
    }
    const nowMs = this.now();
    const session: SessionRecord = {
      sid: newId(),
      username,
      jti: newId(),
      createdAt: nowMs,
      lastUsedAt: nowMs,
      expiresAt: Math.floor(nowMs / 1000) + this.settings.refreshTokenTtl,
    };
    await this.store.putSession(session);
    const iat = Math.floor(nowMs / 1000);
    const [accessToken, refreshToken] = await Promise.all([
      this.tokens.sign('access', username, session.sid, newId(), iat),
      this.tokens.sign('refresh', username, session.sid, session.jti, iat, session.expiresAt),
    ]);
    this.audit('login_succeeded', { username, sid: session.sid, ...meta });
    return { accessToken, refreshToken, sid: session.sid };
  }

  /** Issues a new access token for a live session's current refresh token. */
  async refresh(refreshToken: string | undefined, meta: RequestMeta): Promise<{ accessToken: string }> {
    const claims = await this.verifyOr(refreshToken, 'refresh', invalidRefreshToken);
    const live = await this.liveSession(claims);
    if (!live || live.session.jti !== claims.jti || live.user.disabled) throw invalidRefreshToken();
    const accessToken = await this.tokens.sign('access', claims.sub, claims.sid, newId(), Math.floor(this.now() / 1000));
    this.audit('refresh', { username: claims.sub, sid: claims.sid, ...meta });
    return { accessToken };
  }

  /**
   * Ends the sessions named by whichever genuine tokens are presented (expired ones included).
   * Invalid or absent tokens are ignored: logout always succeeds unless the store fails.
   */
  async logout(presented: { refreshToken?: string; accessToken?: string }, meta: RequestMeta): Promise<void> {
    const claims = await Promise.all([
      this.genuine(presented.refreshToken, 'refresh'),
      this.genuine(presented.accessToken, 'access'),
    ]);
    const named = new Map<string, TokenClaims>();
    for (const c of claims) if (c) named.set(c.sid, c);
    if (named.size === 0) return;
    await this.store.deleteSessions([...named.keys()]);
    for (const c of named.values()) this.audit('logout', { username: c.sub, sid: c.sid, ...meta });
  }

  /** The user behind a live access token; 401 when the token or its session is not valid, 400 when the user is disabled. */
  async currentUser(accessToken: string): Promise<UserRecord> {
    const claims = await this.verifyOr(accessToken, 'access', invalidCredentials);
    const live = await this.liveSession(claims);
    if (!live) throw invalidCredentials();
    if (live.user.disabled) throw inactiveUser();
    return live.user;
  }

  private async verifyOr(token: string | undefined, type: 'access' | 'refresh', fail: () => Error): Promise<TokenClaims> {
    if (!token) throw fail();
    try {
      return await this.tokens.verify(token, type);
    } catch (err) {
      if (err instanceof TokenError) throw fail();
      throw err;
    }
  }

  private async genuine(token: string | undefined, type: 'access' | 'refresh'): Promise<TokenClaims | undefined> {
    if (!token) return undefined;
    try {
      return await this.tokens.verify(token, type, { allowExpired: true });
    } catch (err) {
      if (err instanceof TokenError) return undefined;
      throw err;
    }
  }

  /**
   * The session a token names, if it still lives: present, not past `expiresAt` (TTL deletion is
   * lazy), owned by the token's subject, whose user exists and has not ended all sessions since.
   */
  private async liveSession(claims: TokenClaims): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    const { session, user } = await this.store.getSessionAndUser(claims.sid, claims.sub);
    if (!session || !user) return undefined;
    if (session.expiresAt <= Math.floor(this.now() / 1000)) return undefined;
    if (session.username !== claims.sub) return undefined;
    if (user.sessionsValidAfter !== undefined && session.createdAt <= user.sessionsValidAfter) return undefined;
    return { session, user };
  }
}
