import { Secret, TOTP } from 'otpauth';
import { base32Of, matchingStep, newTotpSecret, otpauthUri, totpCode, totpStep } from '../../functions/core/totp';

// RFC 6238 with the contract's parameters, on a clock the test controls (docs/mfa.md "TOTP").

describe('TOTP', () => {
  const secret = newTotpSecret();
  const now = Date.UTC(2026, 11, 6, 12, 0, 10); // 10 s into a step
  const step = totpStep(now);

  test('RFC 6238 Appendix B: the SHA-1 test vectors (8 digits there; the last 6 here)', () => {
    const rfc = Buffer.from('12345678901234567890', 'ascii');
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [t, code] of vectors) expect(totpCode(rfc, Math.floor(t / 30))).toBe(code.slice(2));
  });

  test('the current step and one either side are accepted; two away are refused', () => {
    for (const offset of [-1, 0, 1])
      expect(matchingStep(totpCode(secret, step + offset), secret, now)).toBe(step + offset);
    for (const offset of [-2, 2, 10])
      expect(matchingStep(totpCode(secret, step + offset), secret, now)).toBeUndefined();
  });

  test('the window moves with the clock', () => {
    const code = totpCode(secret, step);
    expect(matchingStep(code, secret, now + 30_000)).toBe(step);
    expect(matchingStep(code, secret, now + 60_000)).toBeUndefined();
  });

  test('anything but six digits is refused, as is a code of another secret', () => {
    const code = totpCode(secret, step);
    for (const bad of ['', '12345', '1234567', `${code} `, 'abcdef', '１２３４５６'])
      expect(matchingStep(bad, secret, now)).toBeUndefined();
    expect(matchingStep(totpCode(newTotpSecret(), step), secret, now)).toBeUndefined();
  });

  test('otpauth, reading the base32 secret the user is shown, computes the same codes', () => {
    const uri = otpauthUri('Example App', 'ann', secret);
    const parsed = TOTP.generate({ secret: Secret.fromBase32(base32Of(secret)), timestamp: now });
    expect(parsed).toBe(totpCode(secret, step));
    expect(uri).toBe(
      `otpauth://totp/Example%20App:ann?secret=${base32Of(secret)}` +
        '&issuer=Example%20App&algorithm=SHA1&digits=6&period=30',
    );
    expect(base32Of(secret)).toMatch(/^[A-Z2-7]{32}$/);
  });
});
