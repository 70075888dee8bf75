import confusables from './confusables.json';

/** Each look-alike character -> its prototype (confusables.json is grouped by prototype to stay small). */
const PROTOTYPE = new Map<string, string>();
for (const [prototype, sources] of Object.entries(confusables as Record<string, string>)) {
  for (const source of sources) PROTOTYPE.set(source, prototype);
}

/**
 * Look-alike usernames (docs/http-contract.md "Usernames"). NFKC folds compatibility forms (`ｊｏｈｎ`,
 * `ℌ`) but not letters of other scripts that look Latin (Cyrillic `а`, Greek `ο`), nor the dotless
 * `ı`: `аdmin` and `admin` would be two accounts a person cannot tell apart. A new username whose
 * confusable skeleton (Unicode TS #39 §4: NFD, each character replaced by its prototype from
 * confusables.txt, NFD again) equals an existing user's is taken. The table is extracted at build
 * time from a maintained package's copy of confusables.txt (dev/confusables.ts: `unhomoglyph`,
 * keeping the characters a canonical username can hold, 22 KB), not one we keep up to date by hand.
 */
export function usernameSkeleton(canonical: string): string {
  let mapped = '';
  for (const c of canonical.normalize('NFD')) mapped += PROTOTYPE.get(c) ?? c;
  return mapped.normalize('NFD');
}

/**
 * Letters of the phonetic alphabets (IPA Extensions, the Phonetic Extensions and their supplement):
 * they transcribe sounds, and some look like plain letters without confusables.txt listing them
 * (small capitals such as `ᴀ`, `ᴅ`). Refused in new usernames only: a user who has one keeps it.
 */
const PHONETIC_LETTERS = /[\u0250-\u02AF\u1D00-\u1DBF]/u;

/** Why a canonical username cannot be given to a new user, or undefined. */
export function newUsernameProblem(canonical: string): string | undefined {
  if (PHONETIC_LETTERS.test(canonical)) return 'usernames must not contain phonetic letters (IPA, small capitals)';
  return undefined;
}
