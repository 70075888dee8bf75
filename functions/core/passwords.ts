import bcrypt from 'bcryptjs';

/** A bcrypt hash as bcryptjs reads it: `$2a$`, `$2b$` or `$2y$`, the cost, 53 characters of salt and hash. */
export const isBcryptHash = (hash: string) => /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash);

/** bcrypt reads at most 72 bytes; a longer password would be silently truncated, so we refuse it. */
export const MAX_PASSWORD_BYTES = 72;

/** Why a password cannot be set, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length === 0) return 'the password must not be empty';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES)
    return `the password must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (bcrypt ignores the rest)`;
  return undefined;
}

/** Hashes a password with bcrypt at the given cost. */
export const hashPassword = (password: string, cost: number): Promise<string> => bcrypt.hash(password, cost);

/**
 * Hashes imported from another system (core/password-schemes.ts): given only to the login functions'
 * checker, so that only they carry the extra verifiers (hash-wasm's argon2).
 */
export interface ImportedHashes {
  recognises(hash: string): boolean;
  verify(password: string, hash: string): Promise<boolean>;
  /** A hash of this scheme and work factors that nothing matches (UNKNOWN_USER_HASH); undefined if unreadable. */
  dummyFor(header: string): string | undefined;
}

/** What the login needs of passwords (an interface, so unit tests can count and schedule checks). */
export interface PasswordVerifier {
  /** True only when `hash` exists and matches; the same work whether or not it does. */
  check(password: string, hash: string | undefined): Promise<boolean>;
  /** Whether a stored hash should be remade at the configured cost. */
  needsRehash(hash: string): boolean | Promise<boolean>;
  hash(password: string): Promise<string>;
}

/**
 * Checks passwords in constant-ish time whatever the outcome: unknown users and over-long
 * passwords are compared against a dummy hash of the same cost so latency reveals nothing.
 */
export class PasswordChecker implements PasswordVerifier {
  /**
   * A well-formed bcrypt hash of the configured cost that no password matches. Written out rather
   * than hashed, so neither the cold start nor the first unknown-user login pays an extra bcrypt run
   * (which would itself be a timing signal).
   */
  private readonly dummyHash: string;
  /**
   * With UNKNOWN_USER_HASH, the slowest imported scheme in use (docs/importing-users.md "Timing"): a
   * hash of it that nothing matches, checked instead of the bcrypt dummy so that a name the table
   * does not have takes as long as a login of a user not yet moved off that scheme.
   */
  private readonly slowDummy?: string;

  constructor(
    private readonly cost: number,
    private readonly imported?: ImportedHashes,
    unknownUserHash?: string,
  ) {
    this.dummyHash = `$2b$${String(cost).padStart(2, '0')}$${'DummyHashForTimingOnly.'.padEnd(53, 'x')}`;
    this.slowDummy = unknownUserHash ? imported?.dummyFor(unknownUserHash) : undefined;
  }

  /**
   * True only when `hash` exists and matches: one bcrypt compare, or for a hash imported from another
   * system (argon2, scrypt, PBKDF2: core/password-schemes.ts) that scheme's check.
   */
  async check(password: string, hash: string | undefined): Promise<boolean> {
    const usable = hash !== undefined && passwordProblem(password) === undefined;
    if (usable && this.imported?.recognises(hash)) return this.imported.verify(password, hash);
    // A hash bcrypt cannot read (an imported user with no password: '') is compared as the dummy, so it
    // takes a bcrypt's time like any other refusal (bcryptjs answers an unreadable one at once).
    const readable = usable && isBcryptHash(hash);
    if (!readable && this.slowDummy && this.imported) {
      await this.imported.verify('unusable', this.slowDummy);
      return false;
    }
    const ok = await bcrypt.compare(readable ? password : 'unusable', readable ? hash : this.dummyHash);
    return readable && ok;
  }

  /** Whether a stored hash is an imported scheme or bcrypt at another cost (rehash on login). */
  needsRehash(hash: string): boolean {
    if (this.imported?.recognises(hash)) return true;
    try {
      return bcrypt.getRounds(hash) !== this.cost;
    } catch {
      return false; // not a bcrypt hash we can read: nothing a rehash could fix
    }
  }

  /** The password hashed at the configured cost. */
  hash(password: string): Promise<string> {
    return hashPassword(password, this.cost);
  }
}
