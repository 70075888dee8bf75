import type { Audit, RequestMeta } from './auth';
import { DomainError } from './errors';
import type { PasswordVerifier } from './passwords';
import { passwordPolicyProblem } from './password-policy';
import type { AccountStore } from './ports';
import { type RecoveryService, invalidToken } from './recovery';
import { newId } from './tokens';

/**
 * POST /auth/password/reset (docs/http-contract.md "Passwords and accounts"): sets a password, so carries the policy.
 */
export class PasswordResetService {
  constructor(
    private readonly store: AccountStore,
    private readonly tokens: RecoveryService,
    private readonly passwords: PasswordVerifier,
    private readonly audit: Audit,
    private readonly onCleanupError: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * POST /auth/password/reset. Nothing is written unless everything can be: the token is read, the
   * policy checked and the new hash made first; then the token is used up (one conditional delete, so
   * of two racing resets exactly one goes on) and the credentials replaced, conditional on the user
   * being enabled and still on the credentials the link was sent for. If that write fails on the
   * store the token is put back. Every session ends with the new credential version. Only then is the
   * lockout cleared: a link that is refused (a disabled user, credentials changed since) must not
   * clear it, and if clearing fails the reset stands (logged; the lock runs out on its own).
   */
  async resetPassword(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
    const record = await this.tokens.liveToken(token, 'password_reset');
    const problem = passwordPolicyProblem(newPassword, record.username);
    if (problem) throw new DomainError('invalid_password', problem, undefined, 'new_password');
    const passwordHash = await this.passwords.hash(newPassword);
    const written = await this.tokens.useToken(record, () =>
      this.store.resetCredentials(record.username, {
        passwordHash,
        credentialVersion: newId(),
        expectedVersion: record.credentialVersion,
      }),
    );
    // A disabled or removed user, or credentials replaced since the link was sent: the link is spent.
    if (!written) throw invalidToken();
    await this.store.clearThrottle({ kind: 'user', username: record.username }).catch(this.onCleanupError);
    const revoked = await this.tidySessions(record.username);
    this.audit('password_reset', { username: record.username, revoked, ...meta });
  }

  /** The sessions already ended by the new credential version: their items are tidied away. */
  private async tidySessions(username: string): Promise<number> {
    try {
      return (await this.store.deleteSessions(await this.store.listSessionIds(username))).length;
    } catch (err) {
      this.onCleanupError(err);
      return 0;
    }
  }
}
