import { live, lockDuration, locked, windowRetryAfter } from '../../functions/core/lockout';

const settings = { maxFailures: 5, baseLockSeconds: 1, maxLockSeconds: 900, windowSeconds: 900, ipMaxFailures: 100 };
const now = 1_000_000_000;
const record = (over: Partial<{ failures: number; lockedUntil: number; windowStart: number; expiresAt: number }>) => ({
  failures: 0,
  lockedUntil: 0,
  windowStart: now,
  expiresAt: now + 900_000,
  ...over,
});

describe('lockout rules', () => {
  test('lock 1 s at the 5th failure, doubling each further one, capped at 15 minutes', () => {
    expect([1, 4, 5, 6, 7, 14, 15, 40, 1000].map((f) => lockDuration(settings, f) / 1000)).toEqual([
      0, 0, 1, 2, 4, 512, 900, 900, 900,
    ]);
  });

  test('a lock counts while unexpired and backed by the threshold; an expired record is absent', () => {
    const five = { failures: 5 };
    expect(locked(settings, record({ ...five, lockedUntil: now + 1500 }), now)).toBe(true);
    expect(locked(settings, record({ ...five, lockedUntil: now - 1 }), now)).toBe(false);
    expect(live(record({ ...five, lockedUntil: now + 5000, expiresAt: now }), now)).toBeUndefined();
    // A lock whose places were given back (logins that succeeded while it was in flight) locks nobody.
    expect(locked(settings, record({ failures: 4, lockedUntil: now + 1500 }), now)).toBe(false);
  });

  test("a refused count's Retry-After is the rest of the window started by its first failure, at least 1 s", () => {
    const windowMs = settings.windowSeconds * 1000;
    expect(windowRetryAfter(record({ failures: 101, windowStart: now - 60_000 }), windowMs, now)).toBe(840);
    expect(windowRetryAfter(record({ failures: 101, windowStart: now - 899_500 }), windowMs, now)).toBe(1);
    expect(windowRetryAfter(record({ failures: 101, windowStart: now - 900_000 }), windowMs, now)).toBe(1);
  });
});
