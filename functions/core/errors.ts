/**
 * Errors of the domain. Each carries a stable, typed code and no HTTP status: functions/http/errors.ts
 * maps every code to a status and body in one place (docs/http-contract.md gives the wire form).
 */

/** Every failure the domain rules can report to a caller. */
export type DomainErrorCode =
  /** A login was refused: unknown user, wrong password or disabled user, indistinguishably. */
  | 'bad_credentials'
  /** The username or source IP is locked out; the password was not checked. */
  | 'login_locked'
  /** A refresh token that is invalid, expired, rotated away or whose session has ended. */
  | 'invalid_refresh_token'
  /** A protected operation got no credentials at all. */
  | 'not_authenticated'
  /** An access token (or the cookie standing in for it) that is invalid or whose session has ended. */
  | 'invalid_token'
  /** A genuine, live access token of a disabled user. */
  | 'inactive_user'
  /** A password change whose current password is wrong (counted toward the lockout). */
  | 'incorrect_password'
  /** A session id that is not a live session of the caller (whoever else it may belong to). */
  | 'session_not_found'
  /** User admin: the username is taken and overwriting was not asked for. */
  | 'user_exists'
  /** User admin: there is no such user. */
  | 'user_not_found'
  /** User admin: the username breaks the username rule (`message` says how). */
  | 'invalid_username'
  /** User admin: the password breaks the password rule (`message` says how). */
  | 'invalid_password'
  /** A correct password of a user whose email is not verified, while verification is required. */
  | 'email_not_verified'
  /** A reset or verification token that is unknown, used, expired or no longer applies. */
  | 'invalid_one_time_token'
  /** Sign-up: the username is taken. */
  | 'username_taken'
  /** A per-IP limit of the account routes (forgot, resend, sign-up); `retryAfterSeconds` says when. */
  | 'too_many_requests'
  /** A right first factor of a user with MFA on: no session yet, a pending MFA token instead (MfaRequired). */
  | 'mfa_required'
  /** A pending MFA token that is unknown, used, expired, of another route family or client, or outdated. */
  | 'invalid_mfa_token'
  /** A wrong or replayed TOTP or recovery code at the MFA step or when disabling TOTP (counted). */
  | 'invalid_code'
  /** A wrong TOTP code when confirming a setup (nothing is counted: the caller holds a recent session). */
  | 'invalid_setup_code'
  /** A route marked recent, called with a session whose user last proved a credential too long ago. */
  | 'recent_auth_required'
  | 'totp_already_enabled'
  | 'totp_not_enabled'
  /** Confirming with no pending setup, or one older than its 10 minutes. */
  | 'no_totp_setup'
  /** A WebAuthn response naming no live challenge of its ceremony (and, registering, of this session). */
  | 'invalid_challenge'
  /** A registration response the WebAuthn library refused. */
  | 'passkey_registration_failed'
  /** A credential id stored already (anyone's): WebAuthn §7.1 step 26. */
  | 'passkey_exists'
  | 'too_many_passkeys'
  /** An assertion of no stored passkey, or of one whose user is gone or is a later user of that name. */
  | 'unknown_passkey'
  /** An assertion that failed: signature, origin, RP ID, counter, a flagged passkey, a disabled user. */
  | 'passkey_login_failed'
  /** A passkey id that is not one of the caller's. */
  | 'passkey_not_found'
  /** A third-party client's token on a route that acts on the account (docs/authorization-server.md). */
  | 'client_not_allowed';

/** A domain rule said no. `retryAfterSeconds` accompanies `login_locked` and `too_many_requests`. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string = code,
    readonly retryAfterSeconds?: number,
    /** The request field at fault, for a refusal about one (`invalid_password`: sign-up's `password`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** What a client needs to redeem the second factor (docs/mfa.md "Logging in when MFA is on"). */
export interface MfaChallenge {
  mfaToken: string;
  methods: readonly ('totp' | 'recovery_code')[];
  expiresIn: number;
}

/** The first factor was right and the user has MFA on: the answer carries the challenge, no session. */
export class MfaRequired extends DomainError {
  constructor(readonly challenge: MfaChallenge) {
    super('mfa_required', 'MFA required');
  }
}

/** The store (or the secret store) could not be reached or failed: the request did not take effect. */
export class ServiceUnavailableError extends Error {
  constructor(
    readonly dependency: 'store' | 'secret' | 'queue' | 'email',
    options?: { cause?: unknown },
  ) {
    super(`${dependency} unavailable`, options);
    this.name = 'ServiceUnavailableError';
  }
}

/** A configuration problem found at init: the message says which variable and why. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(`Configuration error: ${message}`);
    this.name = 'ConfigError';
  }
}
