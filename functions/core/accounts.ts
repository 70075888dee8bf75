import type { AttemptLimiter } from './attempts';
import type { Audit, AuthService, RequestMeta } from './auth';
import { tidyOtherSessions } from './credentials';
import { DomainError } from './errors';
import type { AuthStore } from './ports';
import type { PasswordVerifier } from './passwords';
import { passwordPolicyProblem } from './password-policy';
import { newId } from './tokens';

/**
 * What users do to their own accounts (docs/http-contract.md "Passwords and accounts"). A module of
 * its own so that only the functions that set passwords carry the policy's common-password list.
 */
export class AccountService {
  constructor(
    private readonly store: AuthStore,
    private readonly auth: AuthService,
    private readonly passwords: PasswordVerifier,
    private readonly audit: Audit,
    private readonly onCleanupError: (err: unknown) => void = () => undefined,
  ) {}

  private get attempts(): AttemptLimiter {
    return this.auth.attempts;
  }

  /**
   * POST /auth/password. The new password must pass the policy (checked first: a refusal touches
   * nothing); the current one is checked like a login's, taking its places in the lockout counts
   * first. Then the credential version moves: the caller's session first, with a new refresh token
   * (a copy of the old one, stolen before, must not outlive the change), then the user item (new
   * hash and version in one write, conditional on the hash just checked), so every other session
   * ends, however requests interleave, and this one lives on. If the second write fails the answer
   * is 503, the password is unchanged, and at worst the caller's own session has ended. Three
   * sequential round trips (docs/performance.md "Round trips"): the caller's read beside the places, the
   * session's move beside the places' return and the index query, the user's write (after the move, so
   * that the caller's session survives it); then deletes only if other sessions were found.
   * Returns how many other sessions were tidied away, and the caller's new refresh token.
   */
  async changePassword(
    accessToken: string | undefined,
    { currentPassword, newPassword }: { currentPassword: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<{ revoked: number; refreshToken: string; refreshMaxAge: number }> {
    const claims = await this.auth.accessClaims(accessToken);
    // The policy needs only the name (the token's subject, which the session check below holds the
    // user to). A refusal by it writes nothing, after the caller's read: a dead session is a 401 first.
    const problem = passwordPolicyProblem(newPassword, claims.sub);
    if (problem) {
      await this.auth.callerOf(claims);
      throw new DomainError('invalid_password', problem);
    }
    const ip = meta.sourceIp ?? 'unknown';
    // The caller's read beside the attempt's places: one round trip. A caller refused by the read gives
    // the places back as unused ones (its password was never checked).
    const [{ user, session }, reservation] = await this.attempts.reserveBeside(
      this.auth.callerOf(claims, { passwordHash: true }),
      { username: claims.sub, ip },
    );
    if ('retryAfter' in reservation) {
      this.audit('login_locked', { username: user.username, sid: session.sid, ...meta });
      throw new DomainError('login_locked', 'Too many failed login attempts', reservation.retryAfter);
    }
    if (!(await this.passwords.check(currentPassword, user.passwordHash))) {
      this.audit('login_failed', { username: user.username, sid: session.sid, reason: 'bad_password', ...meta });
      throw new DomainError('incorrect_password');
    }
    const credentialVersion = newId();
    const passwordHash = await this.passwords.hash(newPassword);
    // One round trip: the caller's session moved to the new version, the places' return (housekeeping
    // once the password was right, as for a login) and the index query for the tidying below.
    const listing = this.store.listSessionIds(user.username);
    listing.catch(() => undefined); // awaited by the tidying below, which treats a failure as housekeeping
    const [renewed] = await Promise.all([
      this.auth.renewSession(session, credentialVersion),
      this.attempts.giveBack(reservation.place).catch(this.onCleanupError),
    ]);
    if (!renewed) throw new DomainError('invalid_token'); // the session ended meanwhile
    const written = await this.store.replaceCredentials(user.username, {
      checked: user.passwordHash,
      passwordHash,
      credentialVersion,
    });
    if (!written) {
      // Another change won the race (this caller's password is no longer the current one), or an
      // administrator disabled the user meanwhile (a disabled user's password never changes).
      const { user: now } = await this.store.getSessionAndUser(session.sid, user.username);
      throw new DomainError(now?.disabled ? 'inactive_user' : 'incorrect_password');
    }

    const revoked = await tidyOtherSessions(this.store, session.sid, listing, this.onCleanupError);
    this.audit('password_changed', { username: user.username, sid: session.sid, revoked, ...meta });
    return { revoked, ...renewed };
  }
}
