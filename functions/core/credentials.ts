import type { Authenticated, AuthService } from './auth';
import { DomainError } from './errors';
import type { AuthStore } from './ports';
import { newId } from './tokens';

/** What a credential change gives the caller: their session's new refresh token, and how many others were tidied. */
export interface ChangedCredentials {
  revoked: number;
  refreshToken: string;
  refreshMaxAge: number;
}

/**
 * A change that sets a new credential version (docs/http-contract.md "What ends sessions"): the
 * caller's session moves to the new version first, with a new refresh token, then `commit` writes the
 * user item (conditionally, with the version in it), so every other session ends however requests
 * interleave. Undefined when the commit's condition did not hold (nothing changed on the user; the
 * caller's session, moved first, has ended). Then the other sessions' items are tidied away.
 */
export type CredentialChange = (
  caller: Authenticated,
  commit: (credentialVersion: string) => Promise<boolean>,
) => Promise<ChangedCredentials | undefined>;

export function credentialChange(
  store: AuthStore,
  auth: AuthService,
  onCleanupError: (err: unknown) => void,
): CredentialChange {
  return async ({ session, user }, commit) => {
    const credentialVersion = newId();
    const listing = store.listSessionIds(user.username);
    listing.catch(() => undefined); // awaited by the tidying, which treats a failure as housekeeping
    const renewed = await auth.renewSession(session, credentialVersion);
    if (!renewed) throw new DomainError('invalid_token'); // the session ended meanwhile
    if (!(await commit(credentialVersion))) return undefined;
    const revoked = await tidyOtherSessions(store, session.sid, listing, onCleanupError);
    return { revoked, ...renewed };
  };
}

/**
 * Deletes the user's other session items (already ended by the new version), as listed before the
 * commit: housekeeping only, and no request at all when there are none.
 */
export async function tidyOtherSessions(
  store: AuthStore,
  keep: string,
  listed: Promise<string[]>,
  onCleanupError: (err: unknown) => void,
): Promise<number> {
  try {
    const others = (await listed).filter((sid) => sid !== keep);
    return others.length === 0 ? 0 : (await store.deleteSessions(others)).length;
  } catch (err) {
    onCleanupError(err);
    return 0;
  }
}
