import { randomBytes } from 'node:crypto';
import type { Authenticated, AuthService, IssuedTokens } from './auth';
import type { Audit, RequestMeta } from './audit';
import type { CredentialChange } from './credentials';
import { DomainError, MfaRequired } from './errors';
import type { AuthMethod, MfaFamily, PendingMfaStore, SessionExtras } from './mfa-ports';
import { mfaOn, startMfaStep } from './mfa-pending';
import type { Ceremony, PasskeyStore, StoredPasskey, WebAuthnChallenge } from './passkey-ports';
import type { AuthStore } from './ports';
import { assertRecent } from './step-up';
import { secondsMs } from './time';
import { clientData, counterVerdict, responseUserHandle, type WebAuthnVerifier } from './webauthn';

export interface PasskeySettings {
  /** WEBAUTHN_RP_ID: the relying party every passkey is bound to. */
  rpId: string;
  /** APP_NAME: `rp.name`. */
  rpName: string;
  /** The origins an assertion or registration may come from. */
  origins: readonly string[];
  /** MAX_PASSKEYS_PER_USER. */
  maxPasskeys: number;
  reauthMaxAgeSeconds: number;
  requireEmailVerification: boolean;
}

/** Challenges live 5 minutes; ceremonies time out with them. */
export const CHALLENGE_SECONDS = 300;
const TIMEOUT_MS = secondsMs(CHALLENGE_SECONDS);
/** EdDSA, ES256, RS256: what every platform authenticator and security key offers. */
export const PASSKEY_ALGORITHMS = [-8, -7, -257] as const;

const challengeBytes = () => randomBytes(32).toString('base64url');

/** A new challenge of a ceremony, stored for 5 minutes. */
async function putNewChallenge(
  store: Pick<PasskeyStore, 'putChallenge'>,
  ceremony: Ceremony,
  extra: Partial<WebAuthnChallenge>,
  nowMs: number,
): Promise<string> {
  const challenge = challengeBytes();
  await store.putChallenge({ challenge, ceremony, ...extra, expiresAt: nowMs + TIMEOUT_MS });
  return challenge;
}

/**
 * POST /auth/passkeys/login/options: a challenge, and `allowCredentials` the named user's passkeys,
 * else none (discoverable credentials). Needs no key and no session: its function holds neither.
 */
export async function passkeyLoginOptions(
  store: Pick<PasskeyStore, 'putChallenge' | 'listPasskeys'>,
  rpId: string,
  username: string | undefined,
  nowMs: number = Date.now(),
) {
  const passkeys = username === undefined ? [] : await store.listPasskeys(username);
  const challenge = await putNewChallenge(store, 'authentication', {}, nowMs);
  return {
    challenge,
    timeout: TIMEOUT_MS,
    rpId,
    userVerification: 'preferred',
    allowCredentials: passkeys.map((p) => ({ id: p.id, type: 'public-key', transports: p.transports })),
  };
}

/** The wire form of a passkey (docs/passkeys.md "GET /auth/passkeys"). */
export function passkeyView(p: StoredPasskey) {
  return {
    id: p.id,
    name: p.name,
    created_at: new Date(p.createdAt).toISOString(),
    last_used_at: p.lastUsedAt === undefined ? null : new Date(p.lastUsedAt).toISOString(),
    aaguid: p.aaguid,
    device_type: p.backupEligible ? 'multiDevice' : 'singleDevice',
    backed_up: p.backedUp,
    transports: p.transports,
    clone_suspected: p.cloneSuspectedAt !== undefined,
  };
}

/**
 * Passkeys (WebAuthn Level 3, docs/passkeys.md): registering one from a recent session, logging in
 * with one (with or without a username), listing, renaming and deleting. A passkey login is a login
 * like a password one: the same session, cap, credential version and audit, and the MFA step when
 * the authenticator did not verify the user and the user has TOTP on.
 */
export class PasskeyService {
  constructor(
    private readonly store: PasskeyStore & AuthStore & PendingMfaStore,
    private readonly auth: AuthService,
    private readonly webauthn: () => Promise<WebAuthnVerifier>,
    private readonly settings: PasskeySettings,
    private readonly audit: Audit,
    private readonly changeCredentials: CredentialChange,
    private readonly now: () => number = Date.now,
  ) {}

  private async recentCaller(accessToken: string | undefined): Promise<Authenticated> {
    const caller = await this.auth.authenticate(accessToken);
    assertRecent(caller.session, this.now(), this.settings.reauthMaxAgeSeconds);
    return caller;
  }

  private newChallenge(ceremony: Ceremony, extra: Partial<WebAuthnChallenge> = {}): Promise<string> {
    return putNewChallenge(this.store, ceremony, extra, this.now());
  }

  /** The challenge a response names, used up: present, unexpired, of this ceremony (registration: this session). */
  private async useChallenge(response: unknown, ceremony: Ceremony, sid?: string): Promise<WebAuthnChallenge> {
    const named = clientData(response);
    const used = named ? await this.store.consumeChallenge(named.challenge, this.now()) : undefined;
    if (!used || used.ceremony !== ceremony || (sid !== undefined && used.sid !== sid)) {
      throw new DomainError('invalid_challenge');
    }
    return used;
  }

  /** POST /auth/passkeys/register/options. */
  async registrationOptions(accessToken: string | undefined) {
    const { user, session } = await this.recentCaller(accessToken);
    const [handle, passkeys] = await Promise.all([
      user.userHandle ?? this.store.ensureUserHandle(user.username, randomBytes(32).toString('base64url')),
      this.store.listPasskeys(user.username),
    ]);
    if (!handle) throw new DomainError('invalid_token'); // removed meanwhile
    if (passkeys.length >= this.settings.maxPasskeys) throw new DomainError('too_many_passkeys');
    const challenge = await this.newChallenge('registration', {
      username: user.username,
      sid: session.sid,
      userHandle: handle,
    });
    return {
      rp: { id: this.settings.rpId, name: this.settings.rpName },
      user: { id: handle, name: user.username, displayName: user.fullName || user.username },
      challenge,
      pubKeyCredParams: PASSKEY_ALGORITHMS.map((alg) => ({ type: 'public-key', alg })),
      timeout: TIMEOUT_MS,
      attestation: 'none',
      authenticatorSelection: { residentKey: 'preferred', requireResidentKey: false, userVerification: 'preferred' },
      excludeCredentials: passkeys.map((p) => ({ id: p.id, type: 'public-key', transports: p.transports })),
      extensions: { credProps: true },
    };
  }

  /**
   * POST /auth/passkeys/register/verify: the challenge used up, the response verified, the passkey
   * stored (a credential id stored already, anyone's, is refused). A store failure after the
   * challenge was used puts it back, so re-sending the same body succeeds.
   */
  async register(accessToken: string | undefined, response: unknown, name: string | undefined, meta: RequestMeta) {
    const { user, session } = await this.recentCaller(accessToken);
    const challenge = await this.useChallenge(response, 'registration', session.sid);
    try {
      if (challenge.username !== user.username || !challenge.userHandle) throw new DomainError('invalid_challenge');
      const verified = await (await this.webauthn()).verifyRegistration(response, this.expected(challenge));
      if (!verified) throw new DomainError('passkey_registration_failed');
      const nowMs = this.now();
      const { userVerified, ...key } = verified;
      const passkey: StoredPasskey = {
        ...key,
        username: user.username,
        userHandle: challenge.userHandle,
        uvAtCreation: userVerified,
        name: name ?? `Passkey ${new Date(nowMs).toISOString().slice(0, 10)}`,
        createdAt: nowMs,
      };
      if (!(await this.store.putPasskey(passkey))) throw new DomainError('passkey_exists');
      this.audit('passkey_registered', {
        username: user.username,
        sid: session.sid,
        credential_id: passkey.id,
        ...meta,
      });
      return passkeyView(passkey);
    } catch (err) {
      if (!(err instanceof DomainError)) await this.store.restoreChallenge(challenge).catch(() => undefined);
      throw err;
    }
  }

  private expected(challenge: WebAuthnChallenge) {
    return { challenge: challenge.challenge, origins: this.settings.origins, rpId: this.settings.rpId };
  }

  /**
   * POST /auth/passkeys/login/verify and the passkey grant: answered as a password login. The
   * challenge is used up first (never put back: the user taps again), then a place in the IP's count
   * is taken beside the passkey's read; the username's count is never touched.
   */
  async login(
    response: unknown,
    meta: RequestMeta,
    { family = 'cookie', clientId, extras }: { family?: MfaFamily; clientId?: string; extras?: SessionExtras } = {},
  ): Promise<IssuedTokens> {
    const challenge = await this.useChallenge(response, 'authentication');
    const id = (response as { id?: unknown }).id;
    const ip = meta.sourceIp ?? 'unknown';
    const [passkey, reservation] = await this.auth.attempts.reserveIpBeside(
      typeof id === 'string' ? this.store.getPasskey(id) : Promise.resolve(undefined),
      ip,
    );
    if ('retryAfter' in reservation) {
      this.audit('login_locked', { method: 'passkey', ...meta });
      throw new DomainError('login_locked', 'Too many failed login attempts', reservation.retryAfter);
    }
    const user = passkey
      ? await this.store.getPasskeyUser(passkey.username).catch(async (err) => {
          await this.auth.attempts.giveBack(reservation.place).catch(() => undefined); // never checked: unused
          throw err;
        })
      : undefined;
    // A removed user's passkey must not open a later user of that name: the handles must match.
    if (!passkey || !user?.userHandle || user.userHandle !== passkey.userHandle) {
      this.audit('login_failed', { reason: 'unknown_passkey', method: 'passkey', ...meta });
      throw new DomainError('unknown_passkey');
    }
    const credential = { credential_id: passkey.id };
    const failed = (reason: string) => {
      this.audit('login_failed', { username: user.username, reason, method: 'passkey', ...credential, ...meta });
      return new DomainError('passkey_login_failed');
    };
    const handle = responseUserHandle(response);
    if (passkey.cloneSuspectedAt !== undefined || (handle !== undefined && handle !== passkey.userHandle)) {
      throw failed('verification_failed');
    }
    if (clientData(response)?.crossOrigin === true) throw failed('verification_failed');
    const verified = await (await this.webauthn()).verifyAssertion(response, this.expected(challenge), passkey);
    if (!verified || user.disabled) throw failed(verified ? 'disabled' : 'verification_failed');
    const nowMs = this.now();
    if (counterVerdict(passkey.counter, verified.newCounter) === 'regression') {
      await this.store.flagClone(passkey.id, nowMs);
      this.audit('passkey_clone_suspected', { username: user.username, ...credential, ...meta });
      throw failed('counter_regression');
    }
    if (user.emailVerified === false && this.settings.requireEmailVerification) {
      this.audit('login_failed', { username: user.username, reason: 'email_not_verified', method: 'passkey', ...meta });
      throw new DomainError('email_not_verified');
    }
    // Lost to a concurrent login of the same passkey: a plain refusal, nothing flagged.
    const counter = { expected: passkey.counter, counter: verified.newCounter, at: nowMs };
    if (!(await this.store.usePasskey(passkey.id, counter))) throw failed('verification_failed');
    const place = { ...reservation.place, username: user.username };
    // With user verification the assertion is two factors; without, one, like a password.
    const amr: AuthMethod[] = verified.userVerified ? ['hwk', 'user', 'mfa'] : ['hwk'];
    if (!verified.userVerified && mfaOn(user)) {
      const challengeOfMfa = await startMfaStep(this.store, user, {
        family,
        clientId,
        firstFactor: 'passkey',
        amr,
        place,
        now: nowMs,
      }).catch(async (err) => {
        await this.auth.attempts.giveBack(place).catch(() => undefined);
        throw err;
      });
      this.audit('mfa_required', { username: user.username, method: 'passkey', ...credential, ...meta });
      throw new MfaRequired(challengeOfMfa);
    }
    return this.auth.startSession(
      user,
      { ...meta },
      { clientId, ...extras, amr, places: [place], now: nowMs, audit: credential },
    );
  }

  /** GET /auth/passkeys. */
  async list(accessToken: string | undefined) {
    const { user } = await this.auth.authenticate(accessToken);
    const passkeys = await this.store.listPasskeys(user.username);
    return {
      rp_id: this.settings.rpId,
      user_id: user.userHandle ?? null,
      passkeys: passkeys.map(passkeyView),
    };
  }

  /** PATCH /auth/passkeys/{id}. */
  async rename(accessToken: string | undefined, id: string, name: string, meta: RequestMeta) {
    const { user, session } = await this.auth.authenticate(accessToken);
    const renamed = await this.store.renamePasskey(id, user.username, name);
    if (!renamed) throw new DomainError('passkey_not_found');
    this.audit('passkey_renamed', { username: user.username, sid: session.sid, credential_id: id, ...meta });
    return passkeyView(renamed);
  }

  /**
   * DELETE /auth/passkeys/{id} (recent): the passkey is deleted, then a new credential version ends
   * every other session (whichever device held it may hold them). A failing change puts it back.
   */
  async remove(accessToken: string | undefined, id: string, meta: RequestMeta) {
    const caller = await this.recentCaller(accessToken);
    const { user, session } = caller;
    const deleted = await this.store.deletePasskey(id, user.username);
    if (!deleted) throw new DomainError('passkey_not_found');
    const changed = await this.changeCredentials(caller, (v) => this.store.setCredentialVersion(user.username, v))
      .then((done) => done ?? Promise.reject(new DomainError('inactive_user')))
      .catch(async (err) => {
        await this.store.restorePasskey(deleted).catch(() => undefined);
        throw err;
      });
    this.audit('passkey_deleted', {
      username: user.username,
      sid: session.sid,
      credential_id: id,
      revoked: changed.revoked,
      ...meta,
    });
    return changed;
  }
}
