import { DomainError } from './errors';
import type { UserAdminStore, UserRecord } from './ports';
import { newId } from './tokens';
import { newUsernameProblem, usernameSkeleton } from './username-skeleton';
import { USERNAME_PROBLEMS, canonicalUsername, checkUsername } from './usernames';

/** What `migrate-usernames` did: names rewritten, and names left as they were (with why). */
export interface UsernameMigration {
  migrated: { from: string; to: string }[];
  collisions: { from: string; to: string }[];
  refused: { from: string; reason: string }[];
  /** Users whose name looks like an older user's (the same confusable skeleton): both kept, reported. */
  lookalikes: { username: string; like: string }[];
}

/** A user as an administrator writes it; the password arrives in clear and is hashed here. */
export interface NewUser {
  username: string;
  password: string;
  email?: string;
  fullName?: string;
  disabled?: boolean;
}

/**
 * User administration (the `npm run users` CLI). Every change that takes a user's credentials or
 * access away ends their sessions with a new credential version (atomic, read by every session
 * check, and no clock in it: the operator's machine must not decide who stays logged in); deleting
 * the session items found through the index afterwards only tidies the table.
 */
export class UserAdmin {
  constructor(
    private readonly store: UserAdminStore,
    /** Checks the password policy for this user (undefined when acceptable) and hashes it. */
    private readonly passwords: {
      problem: (password: string, username: string) => string | undefined;
      hash: (password: string) => Promise<string>;
    },
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the user exists (the CLI asks before prompting for a password). */
  async exists(username: string): Promise<boolean> {
    return (await this.store.getUser(checkUsername(username))) !== undefined;
  }

  /**
   * Adds the user, or with `overwrite` replaces an existing one's password and ends all of its
   * sessions; what is not given (email, full name, disabled) is kept from the existing user.
   * Returns the username as stored (its canonical form) and how many session items were tidied away.
   */
  async add(
    user: NewUser,
    { overwrite }: { overwrite: boolean },
  ): Promise<{ username: string; sessionsEnded: number }> {
    const username = checkUsername(user.username);
    const problem = this.passwords.problem(user.password, username);
    if (problem) throw new DomainError('invalid_password', problem);
    const now = this.now();
    const existing = overwrite ? await this.store.getUser(username) : undefined;
    if (!existing) {
      const refused = newUsernameProblem(username);
      if (refused) throw new DomainError('invalid_username', refused);
    }
    await this.claimName(username, existing !== undefined);
    const record: UserRecord = {
      username,
      passwordHash: await this.passwords.hash(user.password),
      email: user.email ?? existing?.email,
      fullName: user.fullName ?? existing?.fullName,
      disabled: user.disabled ?? existing?.disabled ?? false,
      createdAt: now,
      // Overwriting a user ends every session the old one had: a new credential version ends them
      // however a login that checked the old password interleaves (sessions from before versions
      // existed carry none, which differs too).
      credentialVersion: newId(),
    };
    if (!(await this.store.putUser(record, { overwrite }))) {
      throw new DomainError('user_exists', `user "${username}" exists; use --force to overwrite it`);
    }
    return { username, sessionsEnded: overwrite ? await this.tidySessions(username) : 0 };
  }

  /** Disabling refuses logins and ends every session; enabling leaves the old sessions ended. */
  async setDisabled(username: string, disabled: boolean): Promise<{ sessionsEnded: number }> {
    const name = checkUsername(username);
    // Disabling ends every session with a new credential version; enabling leaves them ended.
    const change = disabled ? { disabled, credentialVersion: newId() } : { disabled };
    if (!(await this.store.setDisabled(name, change))) throw new DomainError('user_not_found', `no user "${name}"`);
    return { sessionsEnded: disabled ? await this.tidySessions(name) : 0 };
  }

  /**
   * `passwd`: a new password (the policy applies) for an existing user; every session ends, and
   * a password reset link sent before is dead (the credential version moved).
   */
  async setPassword(username: string, password: string): Promise<{ username: string; sessionsEnded: number }> {
    const name = checkUsername(username);
    const problem = this.passwords.problem(password, name);
    if (problem) throw new DomainError('invalid_password', problem);
    const change = { passwordHash: await this.passwords.hash(password), credentialVersion: newId() };
    if (!(await this.store.setPassword(name, change))) throw new DomainError('user_not_found', `no user "${name}"`);
    return { username: name, sessionsEnded: await this.tidySessions(name) };
  }

  /**
   * `mfa-reset`: for a person who lost both their TOTP device and their recovery codes, once the
   * operator has confirmed who they are out of band. TOTP, a pending setup and the codes go, with a new
   * credential version: every session ends (whoever holds the lost device may hold one too) and every
   * pending MFA token dies. The password stays; the user logs in with it and sets TOTP up again.
   * With `passkeys`, every passkey goes too, before the new version, so a session a passkey opened
   * meanwhile ends with the rest.
   */
  async resetSecondFactor(
    username: string,
    { passkeys = false }: { passkeys?: boolean } = {},
  ): Promise<{ username: string; sessionsEnded: number; passkeysRemoved: number }> {
    const name = checkUsername(username);
    if (!(await this.store.getUser(name))) throw new DomainError('user_not_found', `no user "${name}"`);
    const passkeysRemoved = passkeys ? await this.store.removePasskeys(name) : 0;
    if (!(await this.store.resetSecondFactor(name, newId())))
      throw new DomainError('user_not_found', `no user "${name}"`);
    return { username: name, sessionsEnded: await this.tidySessions(name), passkeysRemoved };
  }

  /** `verify-email`: the user's address counts as verified (for a user who cannot get the message). */
  async verifyEmail(username: string): Promise<{ username: string }> {
    const name = checkUsername(username);
    if (!(await this.store.setEmailVerified(name))) throw new DomainError('user_not_found', `no user "${name}"`);
    return { username: name };
  }

  /**
   * The emergency lever (a leaked secret, a breach): every session of every user ends on its next
   * request, refresh tokens, access tokens at every route and authorizer that checks sessions, and
   * cookies alike. New logins work at once. It moves a generation, not an instant: no clock decides
   * who is logged out. Returns the generation stored.
   */
  async endEverySession(): Promise<number> {
    return this.store.endEverySession();
  }

  /** Takes the lever's last pull back: the sessions it ended live again. Returns the generation stored. */
  async undoEndEverySession(): Promise<number> {
    return this.store.undoEndEverySession();
  }

  /** Deletes the user and their passkeys; their sessions end with them (no user item, no live session). */
  async remove(username: string): Promise<void> {
    const name = checkUsername(username);
    if (!(await this.store.getUser(name))) throw new DomainError('user_not_found', `no user "${name}"`);
    // Passkeys first: a run stopped half-way is finished by running it again.
    await this.store.removePasskeys(name);
    if (!(await this.store.deleteUser(name))) throw new DomainError('user_not_found', `no user "${name}"`);
    await this.store.releaseName(usernameSkeleton(name), name);
    await this.tidySessions(name);
  }

  /**
   * Claims the name's look-alike skeleton for it. Another holder refuses a new user, unless that holder
   * no longer exists (a sign-up the store failed half-way: its claim is taken over). A user who
   * exists already keeps its name even when a look-alike was registered first (before the rule).
   */
  private async claimName(username: string, exists: boolean): Promise<void> {
    const holder = await this.claimOrHolder(username);
    if (!holder || exists) return;
    throw new DomainError(
      'user_exists',
      `"${username}" looks like the existing user "${holder}" ` +
        '(the same confusable skeleton, Unicode TS #39); choose another name',
    );
  }

  /**
   * Rewrites usernames stored before canonical forms existed (docs/http-contract.md "Usernames"):
   * each is written under its canonical name (only while that name is free), then the old item is
   * deleted, which ends its sessions (their tokens name the old user). Two names with one canonical
   * form are a collision, reported and left for a person to resolve, never merged. Running it again
   * finishes an interrupted run: a canonical copy identical to the old item counts as its own.
   */
  async migrateUsernames(): Promise<UsernameMigration> {
    const users = (await this.store.listUsers()).sort((a, b) => a.username.localeCompare(b.username));
    const byName = new Map(users.map((u) => [u.username, u]));
    const report: UsernameMigration = { migrated: [], collisions: [], refused: [], lookalikes: [] };
    for (const user of users) {
      const canonical = canonicalUsername(user.username);
      if ('problem' in canonical) {
        report.refused.push({ from: user.username, reason: USERNAME_PROBLEMS[canonical.problem] });
        continue;
      }
      const to = canonical.username;
      if (to === user.username) continue;
      const there = byName.get(to);
      const ownCopy = there && there.passwordHash === user.passwordHash && there.createdAt === user.createdAt;
      if (there && !ownCopy) {
        report.collisions.push({ from: user.username, to });
        continue;
      }
      if (!there && !(await this.store.putUser({ ...user, username: to }, { overwrite: false }))) {
        report.collisions.push({ from: user.username, to });
        continue;
      }
      byName.set(to, { ...user, username: to });
      await this.store.movePasskeys(user.username, to);
      await this.store.deleteUser(user.username);
      await this.tidySessions(user.username);
      report.migrated.push({ from: user.username, to });
    }
    // Then every user's look-alike claim (tables from before claims existed), oldest account first;
    // look-alike pairs already registered are reported, never changed.
    const now = (await this.store.listUsers()).sort((a, b) => a.createdAt - b.createdAt);
    for (const user of now) {
      const canonical = canonicalUsername(user.username);
      if ('problem' in canonical || canonical.username !== user.username) continue;
      const holder = await this.claimOrHolder(user.username);
      if (holder) report.lookalikes.push({ username: user.username, like: holder });
    }
    return report;
  }

  /** Claims the name's skeleton (taking over a claim whose user is gone); the other holder when refused. */
  private async claimOrHolder(username: string): Promise<string | undefined> {
    const skeleton = usernameSkeleton(username);
    if (await this.store.claimName(skeleton, username)) return undefined;
    const holder = await this.store.nameHolder(skeleton);
    if (holder && !(await this.store.getUser(holder))) {
      await this.store.releaseName(skeleton, holder);
      if (await this.store.claimName(skeleton, username)) return undefined;
    }
    return holder ?? (await this.store.nameHolder(skeleton));
  }

  /** Every user, by username. */
  async list(): Promise<UserRecord[]> {
    return (await this.store.listUsers()).sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Deletes the user's session items found through the index: housekeeping, not what ends them. */
  private async tidySessions(username: string): Promise<number> {
    return (await this.store.deleteSessions(await this.store.listSessionIds(username))).length;
  }
}
