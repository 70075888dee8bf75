import { writeFileSync } from 'node:fs';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * `npm run passwords:extract`: the common-password list of the password policy, taken from a
 * maintained package (zxcvbn-ts's common language package, ranked most common first): its 10,000
 * most common passwords, keeping only those the length rule (8 bytes or more) would not already
 * refuse, lower-cased and sorted. A test checks the committed file against the package; the whole
 * dictionary (49,000 words, ~414 KB bundled) would break the functions' bundle cap.
 */
export const COMMON_PASSWORDS_FILE = 'functions/core/common-passwords.json';
export const TOP = 10_000;

export function extractCommonPasswords(): string[] {
  const ranked = dictionary['passwords-common'] as string[];
  const kept = ranked.slice(0, TOP).filter((p) => Buffer.byteLength(p, 'utf8') >= 8);
  return [...new Set(kept.map((p) => p.toLowerCase()))].sort();
}

if (process.argv[1]?.endsWith('common-passwords.ts')) {
  const list = extractCommonPasswords();
  writeFileSync(COMMON_PASSWORDS_FILE, `${JSON.stringify(list)}\n`);
  console.log(`passwords: wrote ${list.length} of the ${TOP} most common passwords to ${COMMON_PASSWORDS_FILE}`);
}
