import type { PasswordVerifier } from './passwords';
import type { AuthStore, UserRecord } from './ports';

/**
 * A hash made at another cost than BCRYPT_COST is replaced after a right password (same password, so
 * the credential version stays), on the condition that it is still the hash just checked. Best effort:
 * the caller treats a failure as housekeeping, and the next login tries again.
 */
export async function rehashIfNeeded(
  passwords: PasswordVerifier,
  store: Pick<AuthStore, 'replacePasswordHash'>,
  user: UserRecord,
  password: string,
): Promise<void> {
  if (!(await passwords.needsRehash(user.passwordHash))) return;
  const next = await passwords.hash(password);
  await store.replacePasswordHash(user.username, { checked: user.passwordHash, next });
}
