import {
  ATTEMPT_PLACES,
  MFA_VERIFY_TABLE,
  MFA_VERIFY_USER,
  type Route,
  SESSION_AND_USER,
  type TableAccess,
  unionOf,
} from '../route-access';

/**
 * The MFA rows of the route table (docs/mfa.md). Each row's table access is exactly what its
 * function does: a Bearer route reads the caller's session and user, then the user's second factor.
 */

/**
 * The caller's session and user, then the user with the second factor's state (and the lever's item,
 * as every read of a user that may start a session has it).
 */
const CALLER_AND_FACTOR: TableAccess = { BatchGetItem: SESSION_AND_USER };

/**
 * A new credential version (TOTP on or off): the caller's session moves to it, the user item takes it,
 * the other sessions are listed and tidied away.
 */
const CREDENTIAL_CHANGE: TableAccess = {
  UpdateItem: ['SESSION#', 'USER#'],
  Query: ['USER#'],
  DeleteItem: ['SESSION#'],
};

/** Every second-factor attribute a change of TOTP writes or names in its condition. */
const TOTP_STATE = ['totp', 'totpEnabledAt', 'totpLastStep', 'totpPending', 'recoveryCodes', 'recoverySetAt'] as const;

export const MFA_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/auth/mfa',
    name: 'mfa-status',
    handler: 'mfa/status',
    description: 'Whether TOTP is on, how many recovery codes are left, how many passkeys',
    // The passkeys are counted through the index (keys only).
    table: { ...CALLER_AND_FACTOR, Query: ['PASSKEYS#'] },
    user: { readsSecondFactor: true },
    keys: ['public'],
  },
  {
    method: 'POST',
    path: '/auth/mfa/totp/setup',
    name: 'mfa-totp-setup',
    handler: 'mfa/totp-setup',
    description: 'Start setting up TOTP: a new secret, pending until confirmed (recent login)',
    table: { ...CALLER_AND_FACTOR, UpdateItem: ['USER#'] },
    user: { readsSecondFactor: true, writes: ['totpPending', 'totpEnabledAt', 'disabled'] },
    keys: ['public', 'mfa'],
  },
  {
    method: 'POST',
    path: '/auth/mfa/totp/confirm',
    name: 'mfa-totp-confirm',
    handler: 'mfa/totp-confirm',
    description: 'Turn TOTP on with a code from the pending secret; ten recovery codes; other sessions end',
    table: unionOf(CALLER_AND_FACTOR, CREDENTIAL_CHANGE),
    user: { readsSecondFactor: true, writes: [...TOTP_STATE, 'credentialVersion', 'disabled'] },
    // The public keys verify the caller; the refresh secret signs its session's new refresh token.
    keys: ['public', 'refresh', 'mfa'],
  },
  {
    method: 'POST',
    path: '/auth/mfa/totp/disable',
    name: 'mfa-totp-disable',
    handler: 'mfa/totp-disable',
    description: 'Turn TOTP off with a code or a recovery code (counted like a password); other sessions end',
    table: unionOf(CALLER_AND_FACTOR, CREDENTIAL_CHANGE, ATTEMPT_PLACES),
    user: { readsSecondFactor: true, writes: [...TOTP_STATE, 'credentialVersion', 'disabled'] },
    keys: ['public', 'refresh', 'mfa'],
  },
  {
    method: 'POST',
    path: '/auth/mfa/recovery-codes',
    name: 'mfa-recovery-codes',
    handler: 'mfa/recovery-codes',
    description: 'Ten new recovery codes replace the set (recent login)',
    table: { ...CALLER_AND_FACTOR, UpdateItem: ['USER#'] },
    user: { readsSecondFactor: true, writes: ['recoveryCodes', 'recoverySetAt', 'totpEnabledAt', 'disabled'] },
    keys: ['public'],
  },
  {
    method: 'POST',
    path: '/auth/mfa/verify',
    name: 'mfa-verify',
    handler: 'mfa/verify',
    description: 'The second factor of a login that answered MFA required: a TOTP or recovery code',
    table: MFA_VERIFY_TABLE,
    user: MFA_VERIFY_USER,
    keys: ['refresh', 'signing', 'mfa'],
  },
];
