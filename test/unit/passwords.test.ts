import bcrypt from 'bcryptjs';
import { PasswordChecker, hashPassword, passwordProblem } from '../../functions/core/passwords';

describe('passwords', () => {
  test('check is true only for the right password', async () => {
    const hash = await hashPassword('correct', 4);
    const checker = new PasswordChecker(4);
    expect(await checker.check('correct', hash)).toBe(true);
    expect(await checker.check('wrong', hash)).toBe(false);
  });

  test('check is false for an unknown user, yet spends one bcrypt compare at the set cost, no hashing', async () => {
    const checker = new PasswordChecker(12);
    const compare = jest.spyOn(bcrypt, 'compare');
    const hash = jest.spyOn(bcrypt, 'hash');
    expect(await checker.check('anything', undefined)).toBe(false);
    expect(compare).toHaveBeenCalledTimes(1);
    expect(String(compare.mock.calls[0][1])).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
    expect(bcrypt.getRounds(String(compare.mock.calls[0][1]))).toBe(12);
    expect(hash).not.toHaveBeenCalled();
    compare.mockRestore();
    hash.mockRestore();
  });

  test('refuses a password longer than 72 bytes even when its first 72 bytes match', async () => {
    const hash = await bcrypt.hash('a'.repeat(72), 4);
    const checker = new PasswordChecker(4);
    expect(await checker.check('a'.repeat(72), hash)).toBe(true);
    expect(await checker.check('a'.repeat(73), hash)).toBe(false);
  });

  test('passwordProblem refuses empty and over-72-byte passwords, counting UTF-8 bytes', () => {
    expect(passwordProblem('')).toMatch(/empty/);
    expect(passwordProblem('x'.repeat(72))).toBeUndefined();
    expect(passwordProblem('x'.repeat(73))).toMatch(/72 bytes/);
    expect(passwordProblem('é'.repeat(36))).toBeUndefined();
    expect(passwordProblem('é'.repeat(37))).toMatch(/72 bytes/);
  });
});

test('a stored hash bcrypt cannot read (an imported user without a password) costs the dummy compare', async () => {
  const compare = jest.spyOn(bcrypt, 'compare');
  try {
    const checker = new PasswordChecker(4);
    for (const stored of ['', 'none', '$2b$04$short']) {
      compare.mockClear();
      await expect(checker.check('any password', stored)).resolves.toBe(false);
      // One real compare against the dummy hash (bcryptjs answers an unreadable hash at once).
      expect(compare).toHaveBeenCalledTimes(1);
      expect(compare.mock.calls[0][1]).toMatch(/^\$2b\$04\$DummyHashForTimingOnly/);
    }
  } finally {
    compare.mockRestore();
  }
});
