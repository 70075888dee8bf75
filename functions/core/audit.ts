import type { AuthMethod } from './mfa-ports';

/** Who is asking, for the audit log and the per-IP limit. */
export interface RequestMeta {
  sourceIp?: string;
  userAgent?: string;
}

/** Every audit event: each is a log line and an event on the bus (docs/events.md lists their fields). */
export const AUDIT_EVENTS = [
  'login_succeeded',
  'login_failed',
  'login_locked',
  'refresh',
  'refresh_token_reuse',
  'logout',
  'logout_all',
  'session_deleted',
  'session_evicted',
  'password_changed',
  'password_reset_requested',
  'password_reset',
  'signup',
  'email_verification_requested',
  'email_verified',
  'mfa_required',
  'mfa_failed',
  'recovery_code_used',
  'recovery_codes_regenerated',
  'totp_enabled',
  'totp_disabled',
  'passkey_registered',
  'passkey_renamed',
  'passkey_deleted',
  'passkey_clone_suspected',
  'client_auth_failed',
  'client_token_issued',
  'client_registered',
  'authorization_code_issued',
  'authorization_code_reuse',
  'consent_granted',
  'consent_denied',
  'sso_logout',
  'user_migrated',
  'user_migration_refused',
] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** One structured audit line; implementations never receive a token or password (they are not passed). */
export type Audit = (
  event: AuditEvent,
  fields: {
    username?: string;
    username_hash?: string;
    sid?: string;
    reason?: string;
    revoked?: number;
    /** How the user proved themselves (docs/mfa.md "Audit and metrics"). */
    method?: AuditMethod;
    /** Recovery codes left after one was used. */
    remaining?: number;
    /** The passkey a line is about (its public credential id). */
    credential_id?: string;
    /** The OAuth client a line is about, and the scope it was granted. */
    client_id?: string;
    scope?: string;
    /** A code issued from an SSO session, no form shown. */
    sso?: boolean;
  } & RequestMeta,
) => void;

/** The credential an audited login or code check used. */
export type AuditMethod = 'password' | 'passkey' | 'totp' | 'recovery_code';

/** The method an audit line names for a session's `amr`: its last factor. */
export function methodOf(amr: readonly AuthMethod[]): AuditMethod {
  if (amr.includes('otp')) return 'totp';
  if (amr.includes('hwk') || amr.includes('swk')) return 'passkey';
  // A second factor that is no one-time password: a recovery code (`["pwd", "mfa"]`).
  if (amr.includes('mfa')) return 'recovery_code';
  return 'password';
}
