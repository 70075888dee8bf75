import { writeFileSync } from 'node:fs';
import unhomoglyphData from 'unhomoglyph/data.json';
import { canonicalUsername } from '../functions/core/usernames';

/**
 * `npm run confusables:extract`: the look-alike table of functions/core/username-skeleton.ts, taken
 * from a maintained package's copy of Unicode's confusables.txt (`unhomoglyph`, nodeca, MIT: source
 * character -> prototype, the mapping of TS #39's skeleton). Only the sources that can occur in the
 * NFD of a canonical username are kept (NFKC and lower case already fold capitals and compatibility
 * forms: 2,256 of 6,311), grouped by prototype. A test checks the committed file against the package:
 * the package whole (118 KB bundled, its data as escaped JSON) would push sign-up past its bundle cap.
 */
export const CONFUSABLES_FILE = 'functions/core/confusables.json';

/**
 * Every character that can occur in the NFD of a canonical username: the union over each code point,
 * placed between two letters (so that spaces, which a name may hold but not begin or end with, count).
 */
export function usernameCharacters(): Set<string> {
  const seen = new Set<string>();
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const canonical = canonicalUsername(`x${String.fromCodePoint(cp)}x`);
    if ('username' in canonical) for (const c of canonical.username.normalize('NFD')) seen.add(c);
  }
  return seen;
}

/** prototype -> the sources that map to it, concatenated (sorted by code point, for a stable file). */
export function extractConfusables(): Record<string, string> {
  const data = unhomoglyphData as Record<string, string>;
  const possible = usernameCharacters();
  const byPrototype: Record<string, string[]> = {};
  for (const source of Object.keys(data).sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)) {
    if (!possible.has(source)) continue;
    byPrototype[data[source]] ??= [];
    byPrototype[data[source]].push(source);
  }
  const prototypes = Object.keys(byPrototype).sort();
  return Object.fromEntries(prototypes.map((p) => [p, byPrototype[p].join('')]));
}

if (process.argv[1]?.endsWith('confusables.ts')) {
  const table = extractConfusables();
  writeFileSync(CONFUSABLES_FILE, `${JSON.stringify(table)}\n`);
  const sources = Object.values(table).reduce((n, s) => n + [...s].length, 0);
  console.log(`confusables: wrote ${sources} look-alike characters to ${CONFUSABLES_FILE}`);
}
