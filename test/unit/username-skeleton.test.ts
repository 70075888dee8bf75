import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import unhomoglyph from 'unhomoglyph';
import { CONFUSABLES_FILE, extractConfusables } from '../../dev/confusables';
import { canonicalUsername } from '../../functions/core/usernames';
import { newUsernameProblem, usernameSkeleton } from '../../functions/core/username-skeleton';

// The skeleton's table is extracted from the `unhomoglyph` package (dev/confusables.ts). What it keeps
// must give the skeleton the whole package gives, for every name a user can have.
const packageSkeleton = (name: string) => unhomoglyph(name.normalize('NFD')).normalize('NFD');

describe('username skeletons (Unicode TS #39)', () => {
  test('the committed table is what npm run confusables:extract takes from the package', () => {
    expect(JSON.parse(readFileSync(CONFUSABLES_FILE, 'utf8'))).toEqual(extractConfusables());
  });

  test("every code point's skeleton, inside a username, is the package's", () => {
    const differ: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const canonical = canonicalUsername(`x${String.fromCodePoint(cp)}x`);
      if (!('username' in canonical)) continue;
      if (usernameSkeleton(canonical.username) !== packageSkeleton(canonical.username)) differ.push(cp.toString(16));
    }
    expect(differ).toEqual([]);
  });

  test("any username's skeleton is the package's (random strings of any script)", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 24 }), (raw) => {
        const canonical = canonicalUsername(raw);
        if ('username' in canonical)
          expect(usernameSkeleton(canonical.username)).toBe(packageSkeleton(canonical.username));
      }),
      { numRuns: 3000 },
    );
  });

  test('look-alikes across scripts share a skeleton; small capitals are refused as new names', () => {
    expect(usernameSkeleton('\u0432\u043e\u0432')).not.toBe(usernameSkeleton('bob')); // вов: not a look-alike
    expect(usernameSkeleton('\u0455\u0441\u043e\u0440\u0435')).toBe(usernameSkeleton('scope')); // ѕсоре
    expect(usernameSkeleton('caf\u00e9')).toBe(usernameSkeleton('cafe\u0301'));
    for (const name of ['\u1d00dmin', 'm\u0280', '\u0261oogle']) expect(newUsernameProblem(name)).toMatch(/phonetic/);
    for (const name of ['admin', 'caf\u00e9', '\u0441\u0435\u0440\u0433\u0435\u0439', '\u5c71\u7530']) {
      expect(newUsernameProblem(name)).toBeUndefined();
    }
  });
});
