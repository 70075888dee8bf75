import {
  hashRecoveryCode,
  hashRecoveryCodes,
  newRecoveryCodes,
  parseRecoveryCode,
  recoveryCodeMatches,
} from '../../functions/core/recovery-codes';

// Recovery codes (docs/mfa.md): the slot digit, 55 random bits, Crockford's reading rules, scrypt per slot.

describe('recovery codes', () => {
  test('ten codes, one per slot, in the DXXX-XXXX-XXXX form, all different', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(codes.map((c) => c[0])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const c of codes)
      expect(c).toMatch(/^[0-9][0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(codes.map((c) => c.slice(1))).size).toBe(10);
  });

  test('read case-insensitively, hyphens and spaces ignored, O as 0, I and L as 1', () => {
    expect(parseRecoveryCode('3ab0-1xyz-2km9')).toEqual({ slot: 3, normalised: '3AB01XYZ2KM9' });
    expect(parseRecoveryCode(' 3abo ixyz 2kM9 ')).toEqual({ slot: 3, normalised: '3AB01XYZ2KM9' });
    expect(parseRecoveryCode('3ABL-1XYZ-2KM9')?.normalised).toBe('3AB11XYZ2KM9');
    for (const bad of ['', '3AB0-1XYZ-2KM', 'XAB0-1XYZ-2KM9', '3AB0-1XYZ-2KMU', 42, null, 'x'.repeat(100)])
      expect(parseRecoveryCode(bad)).toBeUndefined();
  });

  test('a code matches its own hash only; a used (absent) slot matches nothing', async () => {
    const [a, b] = newRecoveryCodes();
    const hash = await hashRecoveryCode(a);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(await recoveryCodeMatches(parseRecoveryCode(a)!, hash)).toBe(true);
    expect(await recoveryCodeMatches(parseRecoveryCode(a.toLowerCase())!, hash)).toBe(true);
    expect(await recoveryCodeMatches(parseRecoveryCode(b)!, hash)).toBe(false);
    expect(await recoveryCodeMatches(parseRecoveryCode(a)!, undefined)).toBe(false);
    // Salted: the same code hashes differently each time.
    expect(await hashRecoveryCode(a)).not.toBe(hash);
  });

  test('the stored set is keyed by slot', async () => {
    const codes = newRecoveryCodes();
    const set = await hashRecoveryCodes(codes);
    expect(Object.keys(set).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(await recoveryCodeMatches(parseRecoveryCode(codes[7])!, set['7'])).toBe(true);
  });
});
