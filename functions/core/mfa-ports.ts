import type { AttemptPlace } from './attempts';
import type { SessionGrant, SessionRecord, UserRecord } from './ports';

/**
 * The persistence of second factors (docs/mfa.md), implemented by functions/store/mfa-store.ts and
 * by the in-memory fake of the tests. TOTP lives on the user item, so that the replay guard, a
 * recovery code's use and turning TOTP on or off with a new credential version are each one
 * conditional write on the item every session check already reads.
 */

/** A TOTP secret encrypted under the MFA key (AES-256-GCM; functions/store/mfa-key.ts). */
export interface Ciphertext {
  v: 1;
  /** Which MFA key encrypted it (room to re-encrypt lazily under a new one). */
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}

/** Which route family issued a pending MFA token: it is redeemed only there. */
export type MfaFamily = 'cookie' | 'oauth' | 'hosted';
/** How a user proved themselves (RFC 8176 `amr` values). */
export type AuthMethod = 'pwd' | 'otp' | 'mfa' | 'hwk' | 'swk' | 'user';

/** How a session of a user who proved every factor starts (AuthService.startSession). */
export type SessionStart = {
  clientId?: string;
  /** What the OAuth client adds (scope, registration, third party). */
  grant?: SessionGrant;
  /** The session's id, made by the caller (a code's redemption names it before the session exists). */
  sid?: string;
  /** When the user proved the credential (default now): a code's redemption carries its login's. */
  authAt?: number;
  /** A hosted-page login: an SSO session (no tokens), whose browser secret hashes to this (core/sso.ts). */
  sso?: { secretHash: string };
  amr: AuthMethod[];
  places: AttemptPlace[];
  alongside?: Promise<void>;
} & {
  now?: number;
  /** The passkey a login used, for its audit line. */
  audit?: { credential_id?: string; client_id?: string };
};

/** What a login's caller adds to the session it starts: the OAuth client's grant, or an SSO session's secret. */
export type SessionExtras = Pick<SessionStart, 'grant' | 'sso'>;

/** A first factor proved, the second awaited: only the SHA-256 of its token is stored (`MFA#`). */
export interface PendingMfa {
  hash: string;
  username: string;
  family: MfaFamily;
  /** The OAuth client the login named (absent: the default client). */
  clientId?: string;
  /** The user's credential version at the first factor: any change since kills the token. */
  credentialVersion?: string;
  firstFactor: 'password' | 'passkey';
  amr: AuthMethod[];
  /** The first factor's places in the failure counts, held until the second factor succeeds. */
  place?: AttemptPlace;
  /** Epoch ms; also the item's TTL. */
  expiresAt: number;
}

/** A user with what the MFA functions, and only they, may read: the encrypted secret, steps, codes. */
export interface SecondFactorUser extends UserRecord {
  totp?: Ciphertext;
  totpPending?: Ciphertext & { createdAt: number };
  /** The last step a code was accepted for (the replay guard). */
  totpLastStep?: number;
  /** Slot (0-9) -> `salt.hash` of its recovery code; a used slot is absent. */
  recoveryCodes?: Record<string, string>;
  recoverySetAt?: number;
}

/** The pending MFA items: what a login needs to ask for the second factor. */
export interface PendingMfaStore {
  putPendingMfa(pending: PendingMfa): Promise<void>;
}

export interface MfaStore extends PendingMfaStore {
  /** How many passkeys the user has (GET /auth/mfa); absent where passkeys are not stored. */
  countPasskeys?(username: string): Promise<number>;
  /** The user with its second-factor attributes, strongly consistent. */
  getSecondFactorUser(username: string): Promise<SecondFactorUser | undefined>;
  /** A session check's one read (the session, the user with the lever), the second factor's state included. */
  getSessionAndSecondFactorUser(
    sid: string,
    username: string,
  ): Promise<{ session?: SessionRecord; user?: SecondFactorUser }>;
  /** A new pending setup replacing any other, only while TOTP is off and the user enabled. */
  setTotpPending(username: string, pending: Ciphertext & { createdAt: number }): Promise<boolean>;
  /**
   * Turns TOTP on in one write: the secret, the step of the code that confirmed it, the recovery codes
   * and a new credential version; only if the pending setup is still the one checked and TOTP is off.
   */
  enableTotp(
    username: string,
    change: {
      pendingCreatedAt: number;
      secret: Ciphertext;
      step: number;
      recoveryCodes: Record<string, string>;
      at: number;
      credentialVersion: string;
    },
  ): Promise<boolean>;
  /**
   * Turns TOTP off (secret, step, pending setup and codes removed, a new credential version), only if
   * it is still the enrolment enabled at `enabledAt` and the proof still holds: a TOTP step later than
   * the last used, or a recovery code still in its slot.
   */
  disableTotp(
    username: string,
    change: {
      enabledAt: number;
      credentialVersion: string;
      proof: { step: number } | { slot: number; hash: string };
    },
  ): Promise<boolean>;
  /** Replaces the whole set of recovery codes, only while that enrolment is on. */
  replaceRecoveryCodes(
    username: string,
    change: { enabledAt: number; codes: Record<string, string>; at: number },
  ): Promise<boolean>;
  /** The replay guard: records `step` only if it is later than the last used (one conditional write). */
  useTotpStep(username: string, use: { step: number; enabledAt: number }): Promise<boolean>;
  /** Uses a recovery code up: removes its slot only while it still holds that hash. */
  useRecoveryCode(username: string, use: { slot: number; hash: string }): Promise<boolean>;
  /** Puts a used code back after the write it was for failed (only into the same, still empty, set). */
  restoreRecoveryCode(username: string, code: { slot: number; hash: string; setAt: number }): Promise<void>;
  /** A strongly consistent read; expired items read as absent. */
  getPendingMfa(hash: string, now: number): Promise<PendingMfa | undefined>;
  /** Uses a token up: one conditional delete of an unexpired item; exactly one concurrent caller gets it. */
  consumePendingMfa(hash: string, now: number): Promise<PendingMfa | undefined>;
  /** Puts a used token back after the write it was for failed (only if nothing took its place). */
  restorePendingMfa(pending: PendingMfa): Promise<void>;
}
