import bcrypt from 'bcryptjs';
import { PasswordChecker, hashPassword, passwordProblem } from '../../functions/core/passwords';

describe('passwords', () => {
  test('check is true only for the right password', async () => {
    const hash = await hashPassword('correct', 4);
    const checker = new PasswordChecker(4);
    expect(await checker.check('correct', hash)).toBe(true);
    expect(await checker.check('wrong', hash)).toBe(false);
  });

  test('check is false for an unknown user, yet spends a bcrypt compare on the dummy hash', async () => {
    const checker = new PasswordChecker(4);
    const spy = jest.spyOn(bcrypt, 'compare');
    expect(await checker.check('anything', undefined)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(String(spy.mock.calls[0][1])).toMatch(/^\$2[aby]\$04\$/);
    spy.mockRestore();
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
