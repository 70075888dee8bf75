import type { AttemptPlace } from './attempts';
import type { MfaChallenge } from './errors';
import type { AuthMethod, MfaFamily, PendingMfa, PendingMfaStore } from './mfa-ports';
import { newOneTimeToken } from './one-time-tokens';
import type { UserRecord } from './ports';
import { secondsMs } from './time';

/** A pending MFA token lives 5 minutes. */
export const MFA_TOKEN_SECONDS = 300;

/** Whether the user's logins need a second factor: exactly while TOTP is confirmed. */
export const mfaOn = (user: UserRecord): boolean => user.totpEnabledAt !== undefined;

/**
 * Starts the MFA step of a login whose first factor was right (docs/mfa.md "Logging in when MFA is
 * on"): a 256-bit token, stored only as its SHA-256, bound to the route family, the client and the
 * user's credential version, holding the first factor's places in the failure counts (they stay
 * taken until the second factor succeeds).
 */
export async function startMfaStep(
  store: PendingMfaStore,
  user: UserRecord,
  first: {
    family: MfaFamily;
    clientId?: string;
    firstFactor: PendingMfa['firstFactor'];
    amr: AuthMethod[];
    place?: AttemptPlace;
    now: number;
  },
): Promise<MfaChallenge> {
  const { token, hash } = newOneTimeToken();
  await store.putPendingMfa({
    hash,
    username: user.username,
    family: first.family,
    ...(first.clientId === undefined ? {} : { clientId: first.clientId }),
    ...(user.credentialVersion === undefined ? {} : { credentialVersion: user.credentialVersion }),
    firstFactor: first.firstFactor,
    amr: first.amr,
    ...(first.place ? { place: first.place } : {}),
    expiresAt: first.now + secondsMs(MFA_TOKEN_SECONDS),
  });
  return { mfaToken: token, methods: ['totp', 'recovery_code'], expiresIn: MFA_TOKEN_SECONDS };
}
