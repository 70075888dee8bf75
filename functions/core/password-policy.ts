import COMMON from './common-passwords.json';
import { MAX_PASSWORD_BYTES } from './passwords';

/** NIST SP 800-63B's minimum length for a password the user chose. */
export const MIN_PASSWORD_BYTES = 8;

const common = new Set<string>(COMMON);

/**
 * Why a new password breaks the policy (docs/http-contract.md "Passwords and accounts"), or
 * undefined when it is acceptable: 8 to 72 bytes of UTF-8 (bcrypt reads 72 and would silently drop
 * the rest), not the username, not one of the 10,000 most common passwords. Applied wherever a
 * password is set (the users CLI, and the account routes); logins never re-check it, so old
 * passwords keep working until changed. Only what sets passwords imports this module (and its list).
 */
export function passwordPolicyProblem(password: string, username: string): string | undefined {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < MIN_PASSWORD_BYTES) return `the password must be at least ${MIN_PASSWORD_BYTES} bytes in UTF-8`;
  if (bytes > MAX_PASSWORD_BYTES)
    return `the password must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (bcrypt ignores the rest)`;
  const folded = password.normalize('NFKC').toLowerCase();
  if (folded === username.normalize('NFKC').toLowerCase()) return 'the password must not be the username';
  if (common.has(folded)) return 'the password is one of the most common passwords';
  return undefined;
}
