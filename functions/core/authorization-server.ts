import type { Audit, RequestMeta } from './audit';
import type { AuthService, IssuedTokens } from './auth';
import {
  type AuthorizationRequest,
  codeHash,
  isCode,
  newCode,
  pkceMatches,
  responseUrl,
  CODE_VERIFIER,
} from './authorization';
import type { AuthorizationStore, AuthorizedUser, PendingAuthorization } from './authorization-ports';
import type { Client } from './clients';
import { MfaRequired, type MfaChallenge } from './errors';
import type { SessionExtras } from './mfa-ports';
import { OAuthRuleError } from './oauth-rules';
import type { SessionRecord, UserRecord } from './ports';
import {
  browserHashOf,
  isBrowserBinding,
  newBrowserBinding,
  newSsoSecret,
  parseSsoCookie,
  ssoCookieValue,
  ssoSecretMatches,
} from './sso';
import { newId } from './tokens';

/** A hosted page's refusal (docs/authorization-server.md "Hosted pages"): shown, never redirected. */
export class PageError extends Error {
  constructor(
    readonly status: 400 | 403 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'PageError';
  }
}

/** Every refused redemption looks the same to the client (RFC 6749 §5.2 `invalid_grant`). */
const invalidCode = () => new OAuthRuleError('invalid_grant', 'Invalid authorization code');

export const EXPIRED = 'This sign-in has expired; return to the application and start again.';
const PENDING_MS = 600_000;
const CODE_MS = 60_000;

/** What the browser is shown or sent to next. `ssoCookie`: the SSO session a login just started. */
export type HostedOutcome =
  | { redirect: string; ssoCookie?: string }
  | { consent: PendingAuthorization; client: Client; ssoCookie?: string }
  | { login: PendingAuthorization; client: Client; browserCookie?: string }
  | { mfa: MfaChallenge; pending: PendingAuthorization; client: Client };

export interface AuthorizationServerSettings {
  issuer: string;
}

/** A live SSO session of an enabled user. */
interface Sso {
  session: SessionRecord;
  user: UserRecord;
}

/**
 * The authorization code flow (docs/authorization-server.md): what GET /oauth2/authorize decides, the
 * hosted pages' logins and consent, codes and their redemption, and SSO logout. Logins go through
 * the caller's `start` (the password login, the MFA step or a passkey: their own rules), which starts
 * an SSO session, never a refresh token.
 */
export class AuthorizationServer {
  constructor(
    private readonly store: AuthorizationStore,
    private readonly auth: AuthService,
    private readonly findClient: (id: string) => Promise<Client | undefined>,
    private readonly settings: AuthorizationServerSettings,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A valid request: a code now when SSO holds a recent enough login and no consent is due; with
   * `prompt=none`, `login_required` or `consent_required` otherwise; else a pending authorization
   * (bound to the browser's `authz` cookie, made when absent) and the login or consent page.
   */
  async authorize(
    request: AuthorizationRequest,
    client: Client,
    cookies: { sso?: string; authz?: string },
  ): Promise<HostedOutcome & { browserCookie?: string }> {
    const nowMs = this.now();
    const sso = request.prompt === 'login' ? undefined : await this.ssoOf(cookies.sso);
    const recent = sso && (request.maxAge === undefined || nowMs - (sso.session.authAt ?? 0) <= request.maxAge * 1000);
    const user = recent ? authorizedUserOf(sso) : undefined;
    const consentDue = !client.firstParty || request.prompt === 'consent';
    if (user && !consentDue) return { redirect: await this.issueCode(request, user, { sso: true }) };
    if (request.prompt === 'none')
      return {
        redirect: this.errorUrl(
          request,
          user ? 'consent_required' : 'login_required',
          user ? 'consent is needed' : 'no one is signed in',
        ),
      };
    const browserCookie = isBrowserBinding(cookies.authz) ? cookies.authz : newBrowserBinding();
    const pending: PendingAuthorization = {
      id: newId(),
      request,
      browserHash: browserHashOf(browserCookie),
      createdAt: nowMs,
      expiresAt: nowMs + PENDING_MS,
      ...(user ? { user } : {}),
    };
    await this.store.putPendingAuthorization(pending);
    const fresh = browserCookie !== cookies.authz ? { browserCookie } : {};
    return user ? { consent: pending, client, ...fresh } : { login: pending, client, ...fresh };
  }

  /**
   * The pending authorization a page's form names, if this browser started it: unknown or expired is
   * a 400 page, another browser's (its cookie does not hash to the binding) a 403 page.
   */
  async pendingFor(authzId: string | undefined, browserCookie: string | undefined): Promise<PendingAuthorization> {
    if (!authzId || !/^[A-Za-z0-9_-]{22}$/.test(authzId)) throw new PageError(400, EXPIRED);
    const pending = await this.store.getPendingAuthorization(authzId, this.now());
    if (!pending) throw new PageError(400, EXPIRED);
    if (!isBrowserBinding(browserCookie) || browserHashOf(browserCookie) !== pending.browserHash)
      throw new PageError(403, 'This sign-in was started in another browser.');
    return pending;
  }

  /** The client of a pending authorization (removed meanwhile: the sign-in has expired). */
  async clientOf(pending: PendingAuthorization): Promise<Client> {
    const client = await this.findClient(pending.request.clientId);
    if (!client) throw new PageError(400, EXPIRED);
    return client;
  }

  /**
   * A hosted login (`start`: the password, the MFA step or a passkey) for this pending authorization:
   * an SSO session, then the code or the consent page. A second factor due is the MFA page.
   */
  async login(
    pending: PendingAuthorization,
    client: Client,
    start: (extras: SessionExtras) => Promise<IssuedTokens>,
  ): Promise<HostedOutcome> {
    const { secret, secretHash } = newSsoSecret();
    let issued: IssuedTokens;
    try {
      issued = await start({ sso: { secretHash } });
    } catch (err) {
      if (err instanceof MfaRequired) return { mfa: err.challenge, pending, client };
      throw err;
    }
    const ssoCookie = ssoCookieValue(issued.sid, secret);
    const user = authorizedUserOf({
      session: issued.session,
      user: { credentialVersion: issued.session.credentialVersion, globalGeneration: issued.session.globalGeneration },
    });
    if (!client.firstParty || pending.request.prompt === 'consent') {
      if (!(await this.store.setAuthorizedUser(pending.id, user, this.now()))) throw new PageError(400, EXPIRED);
      return { consent: { ...pending, user }, client, ssoCookie };
    }
    return { redirect: await this.issueCode(pending.request, user, { pendingId: pending.id }), ssoCookie };
  }

  /** POST /oauth2/consent: deny is `access_denied`; allow, the code. Either way the pending one is used up. */
  async consent(pending: PendingAuthorization, decision: 'allow' | 'deny', meta: RequestMeta): Promise<string> {
    if (!pending.user) throw new PageError(400, EXPIRED);
    const fields = { client_id: pending.request.clientId, username: pending.user.username, ...meta };
    if (decision === 'deny') {
      if (!(await this.store.consumePendingAuthorization(pending.id, this.now()))) throw new PageError(400, EXPIRED);
      this.audit('consent_denied', fields);
      return this.errorUrl(pending.request, 'access_denied', 'the user declined');
    }
    const url = await this.issueCode(pending.request, pending.user, { pendingId: pending.id });
    this.audit('consent_granted', fields);
    return url;
  }

  /**
   * A code for `user`: its item first, then the pending authorization used up (a failure between the
   * two leaves the authorization, so resubmitting works); a concurrent request that used it first
   * wins, and this code is deleted.
   */
  private async issueCode(
    request: AuthorizationRequest,
    user: AuthorizedUser,
    { pendingId, sso = false }: { pendingId?: string; sso?: boolean },
  ): Promise<string> {
    const nowMs = this.now();
    const { code, hash } = newCode();
    await this.store.putCode({
      hash,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      ...user,
      issuedAt: nowMs,
      codeExpiresAt: nowMs + CODE_MS,
    });
    if (pendingId && !(await this.store.consumePendingAuthorization(pendingId, nowMs))) {
      await this.store.deleteCode(hash).catch(() => undefined);
      throw new PageError(400, EXPIRED);
    }
    this.audit('authorization_code_issued', { client_id: request.clientId, username: user.username, sso });
    return responseUrl(request.redirectUri, { code, state: request.state, iss: this.settings.issuer });
  }

  /** An error for the client at its redirect URI, with `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207). */
  errorUrl(request: Pick<AuthorizationRequest, 'redirectUri' | 'state'>, error: string, description: string): string {
    return responseUrl(request.redirectUri, {
      error,
      error_description: description,
      state: request.state,
      iss: this.settings.issuer,
    });
  }

  /**
   * The authorization_code grant: every check on one strongly consistent read before any write (a
   * failure leaves the code usable: a thief's wrong verifier must not burn the client's code), then
   * one conditional write marks it used by the new session. A code used before is a replay: the
   * session it started ends (RFC 6749 §4.1.2). A session that could not be written unmarks the code.
   */
  async redeem(
    presented: { code: string; redirectUri: string; verifier: string },
    client: Client,
    meta: RequestMeta,
  ): Promise<IssuedTokens & { nonce?: string }> {
    if (!CODE_VERIFIER.test(presented.verifier))
      throw new OAuthRuleError('invalid_request', 'code_verifier must be 43 to 128 unreserved characters');
    if (!isCode(presented.code)) throw invalidCode();
    const hash = codeHash(presented.code);
    const read = await this.store.getCode(hash);
    if (!read) throw invalidCode();
    if (read.usedAt !== undefined) return this.replayed(read.hash, meta);
    const nowMs = this.now();
    const fits =
      read.clientId === client.id &&
      read.redirectUri === presented.redirectUri &&
      pkceMatches(presented.verifier, read.codeChallenge) &&
      read.codeExpiresAt > nowMs;
    if (!fits) throw invalidCode();
    const user = await this.store.getPasskeyUser(read.username);
    const stillValid =
      user &&
      !user.disabled &&
      user.credentialVersion === read.credentialVersion &&
      (user.globalGeneration ?? 0) <= (read.globalGeneration ?? 0) &&
      (user.sessionsValidAfter === undefined || user.sessionsValidAfter < read.issuedAt);
    if (!stillValid) throw invalidCode();
    const sid = newId();
    if (!(await this.store.markCodeUsed(hash, { usedAt: nowMs, sid }))) return this.replayed(hash, meta);
    try {
      const grant = { scope: read.scope, clientRegistered: true, ...(client.firstParty ? {} : { thirdParty: true }) };
      const issued = await this.auth.startSession(user, meta, {
        clientId: client.id,
        sid,
        grant,
        amr: read.amr,
        authAt: read.authAt,
        places: [],
        now: nowMs,
      });
      return { ...issued, ...(read.nonce !== undefined ? { nonce: read.nonce } : {}) };
    } catch (err) {
      await this.store.unmarkCode(hash, sid).catch(() => undefined);
      throw err;
    }
  }

  /** A used code again (or a concurrent redemption that lost): the session it started ends. */
  private async replayed(hash: string, meta: RequestMeta): Promise<never> {
    const used = await this.store.getCode(hash);
    if (used?.sid) await this.store.deleteSessions([used.sid]);
    this.audit('authorization_code_reuse', {
      client_id: used?.clientId,
      username: used?.username,
      sid: used?.sid,
      ...meta,
    });
    throw invalidCode();
  }

  /** The live SSO session of an enabled user behind the browser's cookie (a malformed one: nothing read). */
  async ssoOf(cookie: string | undefined): Promise<Sso | undefined> {
    const parsed = parseSsoCookie(cookie);
    if (!parsed) return undefined;
    const session = await this.store.getSession(parsed.sid);
    if (!session || !ssoSecretMatches(session, parsed.secret)) return undefined;
    const user = await this.store.getPasskeyUser(session.username);
    if (!user || user.disabled || !this.auth.alive(session, user, this.now())) return undefined;
    return { session, user };
  }

  /** GET /oauth2/logout: ends the browser's SSO session, if it has one. */
  async endSso(cookie: string | undefined, meta: RequestMeta): Promise<void> {
    const sso = await this.ssoOf(cookie);
    if (!sso) return;
    await this.store.deleteSessions([sso.session.sid]);
    this.audit('sso_logout', { username: sso.user.username, sid: sso.session.sid, ...meta });
  }
}

function authorizedUserOf({
  session,
  user,
}: {
  session: SessionRecord;
  user: Pick<UserRecord, 'credentialVersion' | 'globalGeneration'>;
}): AuthorizedUser {
  return {
    username: session.username,
    authAt: session.authAt ?? session.createdAt,
    amr: session.amr ?? [],
    ...(user.credentialVersion !== undefined ? { credentialVersion: user.credentialVersion } : {}),
    ...(user.globalGeneration !== undefined ? { globalGeneration: user.globalGeneration } : {}),
  };
}
