import { DomainError } from './errors';
import type { UserAdminStore, UserRecord } from './ports';

/** Usernames are at most this many characters (DynamoDB keys have size limits). */
export const MAX_USERNAME_LENGTH = 128;

/** Why a username breaks the rule, or undefined when it is acceptable. */
export function usernameProblem(username: string): 'too_long' | 'control_characters' | undefined {
  if ([...username].length > MAX_USERNAME_LENGTH) return 'too_long';
  if (/\p{Cc}/u.test(username)) return 'control_characters';
  return undefined;
}

/** The username, or `invalid_username` saying what is wrong with it. */
export function checkUsername(username: string | undefined): string {
  if (!username) throw new DomainError('invalid_username', 'a username is required');
  const problem = usernameProblem(username);
  if (problem === 'too_long') {
    throw new DomainError('invalid_username', `usernames are at most ${MAX_USERNAME_LENGTH} characters`);
  }
  if (problem) throw new DomainError('invalid_username', 'usernames must not contain control characters');
  return username;
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
 * access away ends their sessions through `sessionsValidAfter` (atomic, read by every session
 * check); deleting the session items found through the index afterwards only tidies the table.
 */
export class UserAdmin {
  constructor(
    private readonly store: UserAdminStore,
    /** Checks the password rule (undefined when acceptable) and hashes it. */
    private readonly passwords: {
      problem: (password: string) => string | undefined;
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
   * Returns how many session items were tidied away.
   */
  async add(user: NewUser, { overwrite }: { overwrite: boolean }): Promise<{ sessionsEnded: number }> {
    const username = checkUsername(user.username);
    const problem = this.passwords.problem(user.password);
    if (problem) throw new DomainError('invalid_password', problem);
    const now = this.now();
    const existing = overwrite ? await this.store.getUser(username) : undefined;
    const record: UserRecord = {
      username,
      passwordHash: await this.passwords.hash(user.password),
      email: user.email ?? existing?.email,
      fullName: user.fullName ?? existing?.fullName,
      disabled: user.disabled ?? existing?.disabled ?? false,
      createdAt: now,
      // Overwriting a user ends every session the old one had.
      sessionsValidAfter: now,
    };
    if (!(await this.store.putUser(record, { overwrite }))) {
      throw new DomainError('user_exists', `user "${username}" exists; use --force to overwrite it`);
    }
    return { sessionsEnded: overwrite ? await this.tidySessions(username) : 0 };
  }

  /** Disabling refuses logins and ends every session; enabling leaves the old sessions ended. */
  async setDisabled(username: string, disabled: boolean): Promise<{ sessionsEnded: number }> {
    const name = checkUsername(username);
    const change = disabled ? { disabled, endSessionsAt: this.now() } : { disabled };
    if (!(await this.store.setDisabled(name, change))) throw new DomainError('user_not_found', `no user "${name}"`);
    return { sessionsEnded: disabled ? await this.tidySessions(name) : 0 };
  }

  /** Deletes the user; their sessions end with them (no user item, no live session). */
  async remove(username: string): Promise<void> {
    const name = checkUsername(username);
    if (!(await this.store.deleteUser(name))) throw new DomainError('user_not_found', `no user "${name}"`);
    await this.tidySessions(name);
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
