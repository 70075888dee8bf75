import { readFileSync } from 'node:fs';
import { dictionary } from '@zxcvbn-ts/language-common';
import { COMMON_PASSWORDS_FILE, TOP, extractCommonPasswords } from '../../dev/common-passwords';
import { passwordPolicyProblem } from '../../functions/core/password-policy';

describe('password policy', () => {
  test('8 to 72 bytes, counted in UTF-8, not in characters', () => {
    expect(passwordPolicyProblem('x7'.repeat(3) + 'q', 'ann')).toMatch(/at least 8 bytes/); // 7 bytes
    expect(passwordPolicyProblem('k9#v'.repeat(2), 'ann')).toBeUndefined(); // 8 bytes
    // Four characters, but eight bytes: é is two bytes in UTF-8.
    expect(passwordPolicyProblem('éàüö', 'ann')).toBeUndefined();
    expect(passwordPolicyProblem('éàü', 'ann')).toMatch(/at least 8 bytes/);
    expect(passwordPolicyProblem('q'.repeat(72), 'ann')).toBeUndefined();
    expect(passwordPolicyProblem('q'.repeat(73), 'ann')).toMatch(/at most 72 bytes/);
    expect(passwordPolicyProblem('é'.repeat(37), 'ann')).toMatch(/at most 72 bytes/); // 37 characters, 74 bytes
  });

  test('not the username, in any case or width', () => {
    expect(passwordPolicyProblem('margaretha', 'margaretha')).toMatch(/not be the username/);
    expect(passwordPolicyProblem('MargaRetha', 'margaretha')).toMatch(/not be the username/);
    expect(passwordPolicyProblem('ｍａｒｇａｒｅｔｈａ', 'margaretha')).toMatch(/not be the username/);
    expect(passwordPolicyProblem('margaretha-2', 'margaretha')).toBeUndefined();
  });

  test('not one of the most common passwords, whatever the case', () => {
    for (const common of ['password', 'Password1', 'QWERTY123', 'iloveyou', '12345678', 'sunshine'])
      expect([common, passwordPolicyProblem(common, 'ann')]).toEqual([common, expect.stringMatching(/most common/)]);
    expect(passwordPolicyProblem('correct horse battery staple', 'ann')).toBeUndefined();
  });

  test('the committed list is the package’s 10,000 most common passwords the length rule would not refuse', () => {
    const committed = JSON.parse(readFileSync(COMMON_PASSWORDS_FILE, 'utf8'));
    expect(committed).toEqual(extractCommonPasswords());
    // Every one of the top 10,000 is refused, by the list or by the length rule.
    const top = (dictionary['passwords-common'] as string[]).slice(0, TOP);
    expect(top).toHaveLength(TOP);
    const accepted = top.filter((p) => passwordPolicyProblem(p, 'someone-else') === undefined);
    expect(accepted).toEqual([]);
  });
});
