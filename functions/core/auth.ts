import type { LockoutSettings } from './config';
import { DomainError, type DomainErrorCode, MfaRequired } from './errors';
import { type AttemptPlace, AttemptLimiter } from './attempts';
import type { MfaFamily, SessionExtras, SessionStart } from './mfa-ports';
import { mfaOn, startMfaStep } from './mfa-pending';
import { type Audit, methodOf, type RequestMeta } from './audit';
import type { AuthStore, SessionRecord, UserRecord } from './ports';
import { OAuthRuleError } from './oauth-rules';
import { narrowScope } from './scopes';
import { justReplaced, stillRemembered } from './refresh-chain';
import { SessionCap } from './session-cap';
import type { PasswordVerifier } from './passwords';
import { TokenError, type TokenService, newId, type TokenClaims, type TokenType } from './tokens';
import { secondsMs, wholeSecond } from './time';
import { rehashIfNeeded } from './rehash';
import { newSessionRecord, type SessionLifetimes } from './session-start';

export type { Audit, AuditEvent, RequestMeta } from './audit';

/** Tokens handed to the client, with the refresh token's lifetime left (the cookie's Max-Age). */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  refreshMaxAge: number;
  sid: string;
  /** The scopes the access token carries (the session's, or a refresh's narrower set). */
  scope: string[];
  /** The session they belong to (an SSO session has no tokens: both are empty). */
  session: SessionRecord;
}

/** A caller proven by a token whose session lives. */
export interface Authenticated {
  claims: TokenClaims;
  session: SessionRecord;
  user: UserRecord;
}

export interface AuthSettings extends SessionLifetimes {
  refreshReuseGraceSeconds: number;
  lockout: LockoutSettings;
  /** MAX_SESSIONS_PER_USER; 20 when not given. */
  maxSessionsPerUser?: number;
  /** REQUIRE_EMAIL_VERIFICATION: a correct password of an unverified user is refused (403). */
  accounts?: { requireEmailVerification: boolean };
}

/** `passwordHash`: read it (the password change); `thirdParty`: a third-party client's session is accepted. */
type CallerOptions = { passwordHash?: boolean; thirdParty?: boolean };
type RefreshOptions = { clientId?: string; scope?: string[]; clientRegistered?: boolean };
type IssueOptions = { refreshJti: string; refreshIssuedAt: number; now: number; scope?: string[] };

/** The contract's default session cap. */
export const DEFAULT_MAX_SESSIONS = 20;
export { REPLACED_TOKENS_KEPT } from './refresh-chain';

/** The login / refresh / logout / who-am-I rules of docs/http-contract.md, over an AuthStore. */
export class AuthService {
  constructor(
    private readonly store: AuthStore,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordVerifier,
    private readonly settings: AuthSettings,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
    /** Told when housekeeping after a successful login fails (rehash, session cap); the answer does not change. */
    private readonly onHousekeepingError: (err: unknown) => void = () => undefined,
  ) {
    this.attempts = new AttemptLimiter(store, settings.lockout, now);
    this.cap = new SessionCap(
      store,
      settings.maxSessionsPerUser ?? DEFAULT_MAX_SESSIONS,
      (session, user, nowMs) => this.alive(session, user, nowMs),
      audit,
      now,
      onHousekeepingError,
    );
    this.graceMs = secondsMs(settings.refreshReuseGraceSeconds);
  }

  /** The `client_id` of sessions whose login named none. */
  get defaultClientId(): string {
    return this.tokens.defaultClientId;
  }

  /** The brute-force rule, shared with every route that checks a password. */
  readonly attempts: AttemptLimiter;
  private readonly cap: SessionCap;
  private readonly graceMs: number;
  /** Lazy migration (core/legacy-migration.ts), set by the login functions' roots when configured. */
  legacy?: (username: string, password: string) => Promise<UserRecord | undefined>;

  /**
   * Checks the password and starts a new session. Every failure is the same 401 after the same
   * work (the read and the attempt's places, one bcrypt compare); a locked username or IP gets 429
   * before the password is looked at, and so does an attempt that finds no place left in the counts.
   * Two sequential round trips on the common path (docs/performance.md "Round trips"): the user's
   * read beside the places, then the session beside the places' return and the cap's query.
   */
  async login(
    username: string,
    password: string,
    meta: RequestMeta,
    { clientId, family = 'cookie', extras }: { clientId?: string; family?: MfaFamily; extras?: SessionExtras } = {},
  ): Promise<IssuedTokens> {
    const nowMs = this.now();
    const ip = meta.sourceIp ?? 'unknown';
    const [found, reservation] = await this.attempts.reserveBeside(this.store.getLoginUser(username), { username, ip });
    const user = found ?? (this.legacy && 'place' in reservation ? await this.legacy(username, password) : undefined);
    // People type passwords into the username field: a name that is no user is logged as a keyed
    // hash (the same text always gives the same hash, so repeated attempts still correlate).
    const who = {
      ...(user ? { username } : { username_hash: await this.tokens.keyedHash(`username:${username}`) }),
      ...(clientId ? { client_id: clientId } : {}),
    };
    if ('retryAfter' in reservation) {
      this.audit('login_locked', { ...who, ...meta });
      throw new DomainError('login_locked', 'Too many failed login attempts', reservation.retryAfter);
    }

    const matches = await this.passwords.check(password, user?.passwordHash);
    if (!user || !matches || user.disabled) {
      // The places stay taken: they are this failure, counted before the password was checked.
      this.audit('login_failed', {
        ...who,
        reason: !user ? 'unknown_user' : user.disabled && matches ? 'disabled' : 'bad_password',
        ...meta,
      });
      throw new DomainError('bad_credentials');
    }
    // Only after the right password, so the 403 tells nothing to someone who does not know it. The
    // places stay taken, as for a disabled user: the login did not succeed.
    if (user.emailVerified === false && this.settings.accounts?.requireEmailVerification) {
      this.audit('login_failed', { ...who, reason: 'email_not_verified', ...meta });
      throw new DomainError('email_not_verified');
    }
    // MFA on: no session yet; the second factor is asked for, and the places stay taken until it is given.
    if (mfaOn(user))
      await this.requireSecondFactor(user, reservation.place, meta, { clientId, family }, this.rehash(user, password));
    return this.startSession(user, meta, {
      clientId,
      ...extras,
      amr: ['pwd'],
      places: [reservation.place],
      alongside: this.rehash(user, password),
      now: nowMs,
    });
  }

  /** The MFA step instead of a session (docs/mfa.md): a failure to store its token is a 503 with the places back. */
  private async requireSecondFactor(
    user: UserRecord,
    place: AttemptPlace,
    meta: RequestMeta,
    { clientId, family }: { clientId?: string; family: MfaFamily },
    alongside: Promise<void>,
  ): Promise<never> {
    const step = { family, clientId, firstFactor: 'password', place, now: this.now() } as const;
    const [challenge] = await Promise.all([startMfaStep(this.store, user, { ...step, amr: ['pwd'] }), alongside]).catch(
      async (err) => {
        await this.attempts.giveBack(place).catch(this.onHousekeepingError);
        throw err;
      },
    );
    this.audit('mfa_required', { username: user.username, method: 'password', ...meta });
    throw new MfaRequired(challenge);
  }

  /**
   * A new session of a user who proved every factor asked of them (a password login, the MFA step, a
   * passkey): the session (the commit point) in one round trip with the return of the attempt's
   * places, the cap's index query and the signing of both tokens. A store failure on the session is a
   * 503 with nothing counted; a failed return after the session landed is housekeeping (the login
   * stands, counted as one failure until the next success), as are `alongside` and the cap.
   */
  async startSession(user: UserRecord, meta: RequestMeta, start: SessionStart): Promise<IssuedTokens> {
    const nowMs = start.now ?? this.now();
    const session = {
      ...newSessionRecord(user, nowMs, start, this.settings),
      authAt: start.authAt ?? nowMs,
      amr: start.amr,
    };
    const listing = this.store.listSessionIds(user.username);
    listing.catch(() => undefined); // awaited by the cap, which treats a failure as housekeeping
    const [issued] = await Promise.all([
      start.sso ? undefined : this.issue(session, { refreshJti: session.jti, refreshIssuedAt: nowMs, now: nowMs }),
      this.store.putSession(session),
      ...start.places.map((place) => this.attempts.giveBack(place).catch(this.onHousekeepingError)),
      start.alongside,
    ]);
    await this.cap.evict(user, session, meta, listing);
    const method = methodOf(start.amr);
    const client = start.clientId ? { client_id: start.clientId } : {};
    this.audit('login_succeeded', {
      username: user.username,
      sid: session.sid,
      method,
      ...client,
      ...start.audit,
      ...meta,
    });
    // An SSO session has no tokens: its browser holds the secret the caller made (core/sso.ts).
    return issued ?? { accessToken: '', refreshToken: '', refreshMaxAge: 0, sid: session.sid, scope: [], session };
  }

  /** The rehash on login (core/rehash.ts), its failure housekeeping. */
  private rehash = (user: UserRecord, password: string): Promise<void> =>
    rehashIfNeeded(this.passwords, this.store, user, password).catch(this.onHousekeepingError);
  /**
   * Rotates the refresh token: the presented one becomes stale and its successor is returned.
   * The one just replaced, presented again within the grace window, gets the same successor back;
   * any other stale token is a replay and ends the whole session.
   */
  async refresh(
    refreshToken: string | undefined,
    meta: RequestMeta,
    { clientId, scope: asked, clientRegistered }: RefreshOptions = {},
  ): Promise<IssuedTokens> {
    const { claims, session: read, user } = await this.caller(refreshToken, 'refresh', 'invalid_refresh_token');
    if (user.disabled) throw new DomainError('invalid_refresh_token');
    // Bound to its client (RFC 6749 §6): none named is the default; a registered one must be named (and still be).
    const named = clientId ?? this.tokens.defaultClientId;
    if (named !== (read.clientId ?? this.tokens.defaultClientId) || (read.clientRegistered && !clientRegistered))
      throw new DomainError('invalid_refresh_token');
    // A subset of the session's scopes narrows these tokens only; the session keeps its set.
    const scope = narrowScope(asked, read.scope ?? []);
    const nowMs = this.now();
    let session: SessionRecord | undefined = read;

    if (claims.jti === read.jti) {
      const rotatedAt = nowMs;
      const expiresAt = Math.min(wholeSecond(nowMs) + secondsMs(this.settings.refreshTokenTtl), read.absoluteExpiresAt);
      const next = await this.tokens.deriveJti(claims.sid, claims.jti);
      const olderJtis = stillRemembered(read, nowMs, this.graceMs);
      if (
        await this.store.rotateSession(claims.sid, { jti: next, prevJti: claims.jti, rotatedAt, expiresAt, olderJtis })
      ) {
        this.audit('refresh', { username: claims.sub, sid: claims.sid, ...meta });
        return this.issue(
          { ...read, jti: next, expiresAt },
          { refreshJti: next, refreshIssuedAt: rotatedAt, now: nowMs, scope },
        );
      }
      // Another request rotated this token a moment ago (or the session just ended): look again.
      session = await this.store.getSession(claims.sid);
      if (!this.lives(session, user, claims, nowMs) || session!.jti === claims.jti) {
        throw new DomainError('invalid_refresh_token');
      }
    }

    const s = session!;
    if (justReplaced(s, claims.jti, nowMs, this.graceMs)) {
      // A retry or a second tab: the successor, re-made byte for byte from what the item keeps.
      this.audit('refresh', { username: claims.sub, sid: claims.sid, reason: 'grace_retry', ...meta });
      return this.issue(s, { refreshJti: s.jti, refreshIssuedAt: s.rotatedAt!, now: nowMs, scope });
    }

    await this.endReplayed(claims, meta);
    throw new DomainError('invalid_refresh_token');
  }

  /**
   * Ends the sessions named by whichever genuine tokens are presented (expired or rotated ones
   * included). Invalid or absent tokens are ignored: logout always succeeds unless the store fails.
   */
  async logout(presented: { refreshToken?: string; accessToken?: string }, meta: RequestMeta): Promise<void> {
    const anyAge = { allowExpired: true };
    const claims = await Promise.all([
      this.genuine(presented.refreshToken, 'refresh', anyAge),
      this.genuine(presented.accessToken, 'access', anyAge),
    ]);
    const named = new Map<string, TokenClaims>();
    for (const c of claims) if (c) named.set(c.sid, c);
    if (named.size === 0) return;
    await this.store.deleteSessions([...named.keys()]);
    for (const c of named.values()) this.audit('logout', { username: c.sub, sid: c.sid, ...meta });
  }

  /**
   * OAuth revocation (RFC 7009) of a refresh or access token: ends its session as a logout does,
   * unless the request names a client other than the token's, which may not revoke it (§2.1): then
   * nothing happens, and the answer is the same, or `unauthorized_client` when the token's client is
   * registered. A request naming no client revokes, as a logout would.
   */
  async revoke(token: string, meta: RequestMeta, { clientId }: { clientId?: string }): Promise<void> {
    if (clientId === undefined) return this.logout({ refreshToken: token, accessToken: token }, meta);
    const anyAge = { allowExpired: true };
    const claims = (await this.genuine(token, 'refresh', anyAge)) ?? (await this.genuine(token, 'access', anyAge));
    if (!claims) return;
    const session = await this.store.getSession(claims.sid);
    if (!session) return;
    if ((session.clientId ?? this.tokens.defaultClientId) !== clientId) {
      if (session.clientRegistered) throw new OAuthRuleError('unauthorized_client', "the token is not this client's");
      return;
    }
    await this.store.deleteSessions([claims.sid]);
    this.audit('logout', { username: claims.sub, sid: claims.sid, ...meta });
  }

  /**
   * The caller behind a live access token: `not_authenticated` without one, `invalid_token` when it
   * or its session is not valid, `inactive_user` when the user is disabled. The user's password hash is
   * read only when asked (`passwordHash`: the password change, which checks the current password).
   */
  async authenticate(accessToken: string | undefined, options: CallerOptions = {}): Promise<Authenticated> {
    return this.callerOf(await this.accessClaims(accessToken), options);
  }

  /**
   * The first half of `authenticate`, with no store request: the claims of a genuine, unexpired access
   * token (`not_authenticated` without one, `invalid_token` otherwise). Lets a route send its session
   * read beside other requests that need only the token's subject (the password change's places).
   */
  async accessClaims(accessToken: string | undefined): Promise<TokenClaims> {
    if (!accessToken) throw new DomainError('not_authenticated');
    const claims = await this.genuine(accessToken, 'access', { allowExpired: false });
    if (!claims) throw new DomainError('invalid_token');
    return claims;
  }

  /** The second half: the session and user behind `claims`, alive (`invalid_token`) and enabled (`inactive_user`). */
  async callerOf(claims: TokenClaims, { passwordHash = false, thirdParty = false }: CallerOptions = {}) {
    const caller = await this.sessionOf(claims, 'invalid_token', passwordHash);
    if (caller.user.disabled) throw new DomainError('inactive_user');
    // Third-party clients read the user at /oauth2/userinfo and never act on the account.
    if (caller.session.thirdParty && !thirdParty) throw new DomainError('client_not_allowed');
    return caller;
  }

  /**
   * Moves the caller's session to a new credential version with a new refresh token of its own (a
   * password change): the old refresh token, and the one it replaced, are dead at once, with no
   * grace window, so a copy stolen before the change is worthless after it (presented, it is a
   * replay). Signed before the write, so an unreachable key leaves the session as it was. Returns
   * the new refresh token, or undefined when the session ended meanwhile.
   */
  async renewSession(
    session: SessionRecord,
    credentialVersion: string,
  ): Promise<{ refreshToken: string; refreshMaxAge: number } | undefined> {
    const nowMs = this.now();
    const jti = newId();
    const expiresAt = Math.min(
      wholeSecond(nowMs) + secondsMs(this.settings.refreshTokenTtl),
      session.absoluteExpiresAt,
    );
    const { username: sub, sid } = session;
    const refreshToken = await this.tokens.sign({ type: 'refresh', sub, sid, jti, issuedAt: nowMs, expiresAt });
    if (!(await this.store.moveSessionToVersion(sid, sub, { credentialVersion, jti, expiresAt }))) return undefined;
    return { refreshToken, refreshMaxAge: Math.max(0, (expiresAt - wholeSecond(nowMs)) / 1000) };
  }

  /**
   * The caller behind a live refresh cookie whose token is current or was replaced within the
   * grace window, without rotating it (logout-all accepts the cookie as proof). Any older token is a
   * replay, as on /auth/refresh: its session ends and the reuse is audited.
   */
  async authenticateRefresh(refreshToken: string, meta: RequestMeta): Promise<Authenticated> {
    const caller = await this.caller(refreshToken, 'refresh', 'invalid_token');
    const { claims, session, user } = caller;
    if (user.disabled) throw new DomainError('invalid_token');
    if (claims.jti === session.jti || justReplaced(session, claims.jti, this.now(), this.graceMs)) return caller;
    await this.endReplayed(claims, meta);
    throw new DomainError('invalid_token');
  }

  /** A stale refresh token came back: someone holds a copy. The whole session ends, and it is audited. */
  private async endReplayed(claims: TokenClaims, meta: RequestMeta): Promise<void> {
    await this.store.deleteSessions([claims.sid]);
    this.audit('refresh_token_reuse', { username: claims.sub, sid: claims.sid, ...meta });
  }

  /** Verifies the token and reads its session and user in one round trip; `failure` unless the session lives. */
  private async caller(
    token: string | undefined,
    type: TokenType,
    failure: DomainErrorCode,
    passwordHash = false,
  ): Promise<Authenticated> {
    const claims = await this.genuine(token, type, { allowExpired: false });
    if (!claims) throw new DomainError(failure);
    return this.sessionOf(claims, failure, passwordHash);
  }

  /** The session and user behind verified claims, in one round trip; `failure` unless the session lives. */
  private async sessionOf(
    claims: TokenClaims,
    failure: DomainErrorCode,
    passwordHash: boolean,
  ): Promise<Authenticated> {
    const { session, user } = await this.store.getSessionAndUser(claims.sid, claims.sub, { passwordHash });
    if (!this.lives(session, user, claims, this.now())) throw new DomainError(failure);
    return { claims, session: session!, user: user! };
  }

  /** A session still lives when present, owned by the token's subject, and alive (below). */
  lives(session: SessionRecord | undefined, user: UserRecord | undefined, claims: TokenClaims, nowMs: number): boolean {
    if (!session || !user || session.username !== claims.sub) return false;
    return this.alive(session, user, nowMs);
  }

  /**
   * A session of this user is alive when unexpired (TTL deletion is lazy), not ended by its user since, born
   * under the user's current credential version (absent on both sides: the one legacy version) and under the
   * emergency lever's current generation or a later one (a lever taken back revives what it ended).
   */
  alive(session: SessionRecord, user: UserRecord, nowMs: number): boolean {
    if (session.username !== user.username) return false;
    if (session.expiresAt <= nowMs || session.absoluteExpiresAt <= nowMs) return false;
    if (session.credentialVersion !== user.credentialVersion) return false;
    if ((session.globalGeneration ?? 0) < (user.globalGeneration ?? 0)) return false;
    return user.sessionsValidAfter === undefined || session.createdAt > user.sessionsValidAfter;
  }

  /** Signs both tokens of a session: the refresh token `refreshJti`, issued at `refreshIssuedAt`. */
  private async issue(
    session: SessionRecord,
    { refreshJti, refreshIssuedAt, now, scope = session.scope ?? [] }: IssueOptions,
  ): Promise<IssuedTokens> {
    const { username: sub, sid, clientId } = session;
    const [accessToken, refreshToken] = await Promise.all([
      this.tokens.sign({ type: 'access', sub, sid, jti: newId(), issuedAt: now, clientId, scope }),
      this.tokens.sign({
        type: 'refresh',
        sub,
        sid,
        jti: refreshJti,
        issuedAt: refreshIssuedAt,
        expiresAt: session.expiresAt,
      }),
    ]);
    const refreshMaxAge = Math.max(0, (session.expiresAt - wholeSecond(now)) / 1000);
    return { accessToken, refreshToken, refreshMaxAge, sid, scope, session };
  }

  /** The claims of an authentic token of this type (expired too, if allowed), or undefined: a refusal is a value. */
  private async genuine(
    token: string | undefined,
    type: TokenType,
    options: { allowExpired: boolean },
  ): Promise<TokenClaims | undefined> {
    if (!token) return undefined;
    try {
      return await this.tokens.verify(token, type, options);
    } catch (err) {
      if (err instanceof TokenError) return undefined;
      throw err;
    }
  }
}
