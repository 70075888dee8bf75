import { DomainError } from './errors';

// The username rules every route applies (docs/http-contract.md "Usernames"), in a module of their own:
// users.ts holds the administration, which needs the look-alike table (33 KB) no login needs.

/** Usernames are at most this many characters (DynamoDB keys have size limits)... */
export const MAX_USERNAME_LENGTH = 128;
/** ...and this many UTF-8 bytes: NFKC can turn one character into eighteen. */
export const MAX_USERNAME_BYTES = 512;

export type UsernameProblem = 'too_long' | 'too_many_bytes' | 'control_characters' | 'format_characters' | 'empty';

/**
 * The one form a username is stored, looked up and compared in (docs/http-contract.md "Usernames"):
 * surrounding whitespace removed, Unicode NFKC, lower case. Control and format characters
 * (zero-width, bidi overrides) are refused rather than removed, so that what an administrator sees
 * is what a user types. NFKC again after lower-casing keeps the form a fixed point.
 */
export function canonicalUsername(raw: string): { username: string } | { problem: UsernameProblem } {
  // The raw length first: it bounds the work below (and was the rule before canonical forms).
  if ([...raw].length > MAX_USERNAME_LENGTH) return { problem: 'too_long' };
  if (/\p{Cc}/u.test(raw)) return { problem: 'control_characters' };
  if (/\p{Cf}/u.test(raw)) return { problem: 'format_characters' };
  // Trimmed again after NFKC, which can turn a character into a space and another (U+FE70 ARABIC
  // FATHATAN ISOLATED FORM is U+0020 U+064B): the form must be a fixed point (found by fast-check).
  const username = raw.trim().normalize('NFKC').toLowerCase().normalize('NFKC').trim();
  if (username.length === 0) return { problem: 'empty' };
  if (/[\p{Cc}\p{Cf}]/u.test(username)) return { problem: 'format_characters' };
  if ([...username].length > MAX_USERNAME_LENGTH) return { problem: 'too_long' };
  if (Buffer.byteLength(username, 'utf8') > MAX_USERNAME_BYTES) return { problem: 'too_many_bytes' };
  return { username };
}

/** What each problem means, in words for a 422 or the CLI. */
export const USERNAME_PROBLEMS: Record<UsernameProblem, string> = {
  too_long: `usernames are at most ${MAX_USERNAME_LENGTH} characters`,
  too_many_bytes: `usernames are at most ${MAX_USERNAME_BYTES} bytes in UTF-8 (after NFKC normalisation)`,
  control_characters: 'usernames must not contain control characters',
  format_characters: 'usernames must not contain format characters (zero-width, bidi controls)',
  empty: 'usernames must not be blank',
};

/** The canonical username, or `invalid_username` saying what is wrong with it. */
export function checkUsername(username: string | undefined): string {
  if (!username) throw new DomainError('invalid_username', 'a username is required');
  const canonical = canonicalUsername(username);
  if ('problem' in canonical) throw new DomainError('invalid_username', USERNAME_PROBLEMS[canonical.problem]);
  return canonical.username;
}
