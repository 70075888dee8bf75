import type { Audit, Authenticated, AuthService, IssuedTokens, RequestMeta } from './auth';
import { DomainError } from './errors';
import type {
  AuthMethod,
  Ciphertext,
  MfaFamily,
  MfaStore,
  SessionExtras,
  PendingMfa,
  SecondFactorUser,
} from './mfa-ports';
import { mfaOn } from './mfa-pending';
import { oneTimeTokenHash } from './one-time-tokens';
import type { CredentialChange } from './credentials';
import type { AuthStore } from './ports';
import {
  type RecoveryCode,
  hashRecoveryCodes,
  newRecoveryCodes,
  parseRecoveryCode,
  recoveryCodeMatches,
} from './recovery-codes';
import { assertRecent } from './step-up';
import { secondsMs } from './time';
import { isTotpCode } from './totp-code';

/** core/totp.ts, loaded when a code is first made or checked (it carries `otpauth`). */
export type TotpModule = typeof import('./totp');

/** Encrypts and decrypts TOTP secrets under the MFA key (functions/store/mfa-key.ts). */
export interface SecretCipher {
  encrypt(plain: Uint8Array): Promise<Ciphertext>;
  decrypt(sealed: Ciphertext): Promise<Uint8Array>;
}

export interface MfaSettings {
  /** APP_NAME: the TOTP issuer authenticator apps show. */
  appName: string;
  /** REAUTH_MAX_AGE_SECONDS: how recent a session must be for the routes marked recent. */
  reauthMaxAgeSeconds: number;
}

/** A pending setup lives 10 minutes. */
export const TOTP_SETUP_SECONDS = 600;

/** The second factor a client presents: exactly one of a TOTP code and a recovery code. */
export type SecondFactorProof = { code: string } | { recoveryCode: string };

/** What a checked proof used, to be written conditionally (and put back if a later write fails). */
type CheckedProof = { step: number } | { slot: number; hash: string };

/**
 * TOTP and recovery codes (docs/mfa.md): setting up, confirming, disabling and regenerating, and the
 * MFA step of every login, over an MfaStore. Codes are checked in constant time and used once per
 * user by one conditional write; every code attempt at the MFA step or when disabling takes its
 * places in the username's and the IP's failure counts first and keeps them when it is wrong.
 */
export class MfaService {
  constructor(
    private readonly store: MfaStore & AuthStore,
    private readonly auth: AuthService,
    private readonly cipher: SecretCipher,
    private readonly settings: MfaSettings,
    private readonly audit: Audit,
    private readonly changeCredentials: CredentialChange,
    private readonly now: () => number = Date.now,
    /**
     * Loaded on first use, so that a function serving other requests too (the OAuth token endpoint's
     * password and refresh grants) never evaluates `otpauth` (docs/performance.md).
     */
    private readonly totp: () => Promise<TotpModule> = () => import('./totp'),
  ) {}

  /** The caller of a route marked recent, with their second factor's state. */
  /**
   * The caller and their second factor's state in one read: the session check's `BatchGetItem` with
   * the second factor's attributes (AuthService.callerOf's rules: a live session, an enabled user).
   * `also` runs beside it, named by the token's subject alone.
   */
  private async callerWithFactor(
    accessToken: string | undefined,
    also: (username: string) => Promise<number> = async () => 0,
  ): Promise<Authenticated & { factor: SecondFactorUser; count: number }> {
    const claims = await this.auth.accessClaims(accessToken);
    const [{ session, user }, count] = await Promise.all([
      this.store.getSessionAndSecondFactorUser(claims.sid, claims.sub),
      also(claims.sub),
    ]);
    if (!this.auth.lives(session, user, claims, this.now())) throw new DomainError('invalid_token');
    if (user!.disabled) throw new DomainError('inactive_user');
    if (session!.thirdParty) throw new DomainError('client_not_allowed');
    return { claims, session: session!, user: user!, factor: user!, count };
  }

  private async recentCaller(accessToken: string | undefined): Promise<Authenticated & { factor: SecondFactorUser }> {
    const caller = await this.callerWithFactor(accessToken);
    assertRecent(caller.session, this.now(), this.settings.reauthMaxAgeSeconds);
    return caller;
  }

  /** GET /auth/mfa. */
  async status(accessToken: string | undefined) {
    const { factor, count: passkeys } = await this.callerWithFactor(
      accessToken,
      async (username) => (await this.store.countPasskeys?.(username)) ?? 0,
    );
    return {
      totp_enabled: mfaOn(factor),
      totp_enabled_at: factor.totpEnabledAt === undefined ? null : new Date(factor.totpEnabledAt).toISOString(),
      recovery_codes_left: Object.keys(factor.recoveryCodes ?? {}).length,
      passkeys,
    };
  }

  /** POST /auth/mfa/totp/setup: a new secret, pending until confirmed (a new setup replaces a pending one). */
  async setup(accessToken: string | undefined) {
    const { factor } = await this.recentCaller(accessToken);
    if (mfaOn(factor)) throw new DomainError('totp_already_enabled');
    const { newTotpSecret, base32Of, otpauthUri } = await this.totp();
    const secret = newTotpSecret();
    const sealed = await this.cipher.encrypt(secret);
    if (!(await this.store.setTotpPending(factor.username, { ...sealed, createdAt: this.now() }))) {
      // Enabled meanwhile by another request, or the user was disabled.
      throw new DomainError(factor.disabled ? 'inactive_user' : 'totp_already_enabled');
    }
    return {
      secret: base32Of(secret),
      otpauth_uri: otpauthUri(this.settings.appName, factor.username, secret),
      expires_in: TOTP_SETUP_SECONDS,
    };
  }

  /**
   * POST /auth/mfa/totp/confirm: one conditional write turns TOTP on with the code's step, the
   * recovery codes and a new credential version; the caller's session moves to it first, every other
   * session ends.
   */
  async confirm(accessToken: string | undefined, code: string, meta: RequestMeta) {
    const caller = await this.recentCaller(accessToken);
    const { factor } = caller;
    if (mfaOn(factor)) throw new DomainError('totp_already_enabled');
    const pending = factor.totpPending;
    const nowMs = this.now();
    if (!pending || nowMs - pending.createdAt > secondsMs(TOTP_SETUP_SECONDS)) throw new DomainError('no_totp_setup');
    const { matchingStep } = await this.totp();
    const step = matchingStep(code, await this.cipher.decrypt(pending), nowMs);
    if (step === undefined) throw new DomainError('invalid_setup_code');
    const codes = newRecoveryCodes();
    const hashes = await hashRecoveryCodes(codes);
    const { v, kid, iv, ct, tag } = pending;
    const changed = await this.changeCredentials(caller, (credentialVersion) =>
      this.store.enableTotp(factor.username, {
        pendingCreatedAt: pending.createdAt,
        secret: { v, kid, iv, ct, tag },
        step,
        recoveryCodes: hashes,
        at: nowMs,
        credentialVersion,
      }),
    );
    if (!changed) throw new DomainError('no_totp_setup'); // replaced, or enabled, meanwhile
    this.audit('totp_enabled', {
      username: factor.username,
      sid: caller.session.sid,
      revoked: changed.revoked,
      ...meta,
    });
    return { recoveryCodes: codes, ...changed };
  }

  /** POST /auth/mfa/totp/disable: a code or a recovery code, counted like a wrong current password. */
  async disable(accessToken: string | undefined, proof: SecondFactorProof, meta: RequestMeta) {
    const caller = await this.recentCaller(accessToken);
    const { factor } = caller;
    if (!mfaOn(factor)) throw new DomainError('totp_not_enabled');
    const ip = meta.sourceIp ?? 'unknown';
    const reservation = await this.auth.attempts.reserve({ username: factor.username, ip });
    if ('retryAfter' in reservation) {
      this.audit('login_locked', { username: factor.username, sid: caller.session.sid, ...meta });
      throw new DomainError('login_locked', 'Too many failed login attempts', reservation.retryAfter);
    }
    const checked = await this.check(factor, proof, meta);
    const changed = checked
      ? await this.changeCredentials(caller, (credentialVersion) =>
          this.store.disableTotp(factor.username, {
            enabledAt: factor.totpEnabledAt!,
            credentialVersion,
            proof: checked,
          }),
        )
      : undefined;
    if (!changed) throw new DomainError('invalid_code'); // wrong, or used meanwhile: the places stay taken
    await this.auth.attempts.giveBack(reservation.place).catch(() => undefined);
    this.audit('totp_disabled', {
      username: factor.username,
      sid: caller.session.sid,
      revoked: changed.revoked,
      ...meta,
    });
    return changed;
  }

  /** POST /auth/mfa/recovery-codes: ten new codes replace the set in one write. */
  async regenerate(accessToken: string | undefined, meta: RequestMeta): Promise<string[]> {
    const { factor, session } = await this.recentCaller(accessToken);
    if (!mfaOn(factor)) throw new DomainError('totp_not_enabled');
    const codes = newRecoveryCodes();
    const written = await this.store.replaceRecoveryCodes(factor.username, {
      enabledAt: factor.totpEnabledAt!,
      codes: await hashRecoveryCodes(codes),
      at: this.now(),
    });
    if (!written) throw new DomainError('totp_not_enabled');
    this.audit('recovery_codes_regenerated', { username: factor.username, sid: session.sid, ...meta });
    return codes;
  }

  /**
   * POST /auth/mfa/verify and the MFA grant: the pending token's user proves the second factor. The
   * attempt takes its places first (kept when the code is wrong); a right code uses the token up, is
   * itself used up (the replay guard, or the recovery code's slot), and starts the session, giving
   * back this attempt's places and the first factor's. A failing write puts back what was used up
   * before it (the token, a recovery code), never a TOTP step (the next code comes within 30 s).
   */
  async verify(
    mfaToken: string,
    proof: SecondFactorProof,
    meta: RequestMeta,
    { family, clientId, extras }: { family: MfaFamily; clientId?: string; extras?: SessionExtras },
  ): Promise<IssuedTokens> {
    const nowMs = this.now();
    const hash = oneTimeTokenHash(mfaToken);
    const read = hash ? await this.store.getPendingMfa(hash, nowMs) : undefined;
    if (!read || read.family !== family || read.clientId !== clientId) {
      this.audit('mfa_failed', { reason: 'bad_token', ...meta });
      throw new DomainError('invalid_mfa_token');
    }
    const { username } = read;
    const ip = meta.sourceIp ?? 'unknown';
    const [factor, reservation] = await this.auth.attempts.reserveBeside(this.store.getSecondFactorUser(username), {
      username,
      ip,
    });
    if ('retryAfter' in reservation) {
      this.audit('login_locked', { username, ...meta });
      throw new DomainError('login_locked', 'Too many failed login attempts', reservation.retryAfter);
    }
    // Credentials changed since the first factor (or the user was disabled or removed): the token is dead.
    if (!factor || factor.disabled || factor.credentialVersion !== read.credentialVersion || !mfaOn(factor)) {
      this.audit('mfa_failed', { username, reason: 'bad_token', ...meta });
      throw new DomainError('invalid_mfa_token');
    }
    const checked = await this.check(factor, proof, meta);
    if (!checked) throw new DomainError('invalid_code');
    const pending = await this.store.consumePendingMfa(read.hash, nowMs);
    if (!pending) throw new DomainError('invalid_mfa_token'); // used by a concurrent success
    return this.redeem(factor, pending, checked, meta, reservation.place, extras);
  }

  /** Uses the checked proof up and starts the session; puts the token (and a recovery code) back on a failure. */
  private async redeem(
    factor: SecondFactorUser,
    pending: PendingMfa,
    checked: CheckedProof,
    meta: RequestMeta,
    place: Parameters<AuthService['startSession']>[2]['places'][number],
    extras?: SessionExtras,
  ): Promise<IssuedTokens> {
    const { username } = factor;
    const byStep = 'step' in checked;
    let used = false;
    try {
      used = byStep
        ? await this.store.useTotpStep(username, { step: checked.step, enabledAt: factor.totpEnabledAt! })
        : await this.store.useRecoveryCode(username, checked);
      if (!used) {
        this.audit('mfa_failed', { username, reason: byStep ? 'replayed_code' : 'bad_recovery_code', ...meta });
        throw new DomainError('invalid_code');
      }
      const amr: AuthMethod[] = [...pending.amr, ...(byStep ? (['otp', 'mfa'] as const) : (['mfa'] as const))];
      const places = pending.place ? [place, pending.place] : [place];
      const issued = await this.auth.startSession(factor, meta, { clientId: pending.clientId, ...extras, amr, places });
      if (!byStep) {
        const remaining = Object.keys(factor.recoveryCodes ?? {}).length - 1;
        this.audit('recovery_code_used', { username, remaining, ...meta });
      }
      return issued;
    } catch (err) {
      await this.store.restorePendingMfa(pending).catch(() => undefined);
      if (used && !byStep && factor.recoverySetAt !== undefined) {
        await this.store
          .restoreRecoveryCode(username, { ...checked, setAt: factor.recoverySetAt })
          .catch(() => undefined);
      }
      throw err;
    }
  }

  /**
   * Checks a proof against the user's factor: the step a TOTP code matches (and later than the last
   * used: a replay is answered as a wrong code), or the recovery code's slot and stored hash.
   * Undefined when wrong (audited as `mfa_failed`).
   */
  private async check(factor: SecondFactorUser, proof: SecondFactorProof, meta: RequestMeta) {
    const { username } = factor;
    if ('code' in proof) {
      const { matchingStep } = await this.totp();
      const step =
        isTotpCode(proof.code) && factor.totp
          ? matchingStep(proof.code, await this.cipher.decrypt(factor.totp), this.now())
          : undefined;
      if (step === undefined || step <= (factor.totpLastStep ?? -1)) {
        this.audit('mfa_failed', { username, reason: step === undefined ? 'bad_code' : 'replayed_code', ...meta });
        return undefined;
      }
      return { step };
    }
    const code = parseRecoveryCode(proof.recoveryCode) as RecoveryCode;
    const hash = factor.recoveryCodes?.[String(code.slot)];
    if (!(await recoveryCodeMatches(code, hash))) {
      this.audit('mfa_failed', { username, reason: 'bad_recovery_code', ...meta });
      return undefined;
    }
    return { slot: code.slot, hash: hash! };
  }
}
