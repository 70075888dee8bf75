import type { Audit } from './audit';
import type { NameClaims, UserRecord } from './ports';
import { newId } from './tokens';

/**
 * Lazy migration (docs/importing-users.md "Lazy migration"): a login for a username the table does
 * not have asks the system the users come from, with the username and the password (the shape of
 * Cognito's user-migration trigger). On its yes the user is created here, with the attributes it
 * returned and the password hashed with bcrypt, and the login goes on as for any user. A no, a
 * timeout or an error is the plain 401 of an unknown user; the password is never logged.
 */

/** What the legacy system says of a user it knows with that password. */
export interface LegacyUser {
  email?: string;
  fullName?: string;
  emailVerified?: boolean;
}

/** The legacy system's answer: the user's attributes on a yes; undefined on a no, a timeout or an error. */
export type LegacyLookup = (username: string, password: string) => Promise<LegacyUser | undefined>;

export interface MigrationStore extends NameClaims {
  /** Writes the user; returns false when it exists (a concurrent login migrated it first). */
  putUser(user: UserRecord, options: { overwrite: boolean }): Promise<boolean>;
}

/** What a migration needs of the login functions' root. */
export interface MigrationDeps {
  store: MigrationStore;
  hash: (password: string) => Promise<string>;
  audit: Audit;
}

/** The migration of the login functions, from the configured legacy system (none: undefined). */
export const legacyMigration =
  (lookup: LegacyLookup | undefined) =>
  ({
    store,
    hash,
    audit,
  }: MigrationDeps): ((username: string, password: string) => Promise<UserRecord | undefined>) | undefined => {
    // AUTH_API_LEGACY: the bundles' constant (as in store/legacy-lookup.ts), so the class is dropped too.
    if (process.env.AUTH_API_LEGACY === 'false' || !lookup) return undefined;
    const migration = new LegacyMigration(lookup, store, hash, audit);
    return (username, password) => migration.migrate(username, password);
  };

export class LegacyMigration {
  constructor(
    private readonly lookup: LegacyLookup,
    private readonly store: MigrationStore,
    private readonly hash: (password: string) => Promise<string>,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The user created from the legacy system's yes, or undefined (a no, a failure, a password this API
   * cannot keep, a name that looks like another user's, or a concurrent login that migrated it first).
   */
  async migrate(username: string, password: string): Promise<UserRecord | undefined> {
    // A password bcrypt would cut short (over 72 bytes: core/passwords.ts) is refused as at every
    // login; passwords.ts is not imported here, so that bcryptjs stays out of the functions' start.
    if (password.length === 0 || Buffer.byteLength(password, 'utf8') > 72) return undefined;
    const found = await this.lookup(username, password).catch(() => undefined);
    if (!found) return undefined;
    // The look-alike rule of every new name (docs/http-contract.md "Usernames").
    // The look-alike table (33 KB) is loaded at a first migration, not at every login function's start;
    // a deployed bundle without lazy migration (AUTH_API_LEGACY, a constant there) does not hold it.
    const names = process.env.AUTH_API_LEGACY === 'false' ? undefined : await import('./username-skeleton');
    if (!names || !(await this.store.claimName(names.usernameSkeleton(username), username))) {
      this.audit('user_migration_refused', { username, reason: 'lookalike' });
      return undefined;
    }
    const user: UserRecord = {
      username,
      passwordHash: await this.hash(password),
      ...(found.email ? { email: found.email } : {}),
      ...(found.fullName ? { fullName: found.fullName } : {}),
      ...(found.emailVerified === false ? { emailVerified: false } : {}),
      disabled: false,
      createdAt: this.now(),
      credentialVersion: newId(),
    };
    if (!(await this.store.putUser(user, { overwrite: false }))) return undefined;
    this.audit('user_migrated', { username });
    return user;
  }
}
