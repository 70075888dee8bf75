import { lockDuration, retryAfterSeconds } from '../../functions/core/lockout';

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

  test('retryAfterSeconds rounds the lock up and ignores expired records', () => {
    const five = { failures: 5 };
    expect(retryAfterSeconds(settings, record({ ...five, lockedUntil: now + 1500 }), undefined, now)).toBe(2);
    expect(retryAfterSeconds(settings, record({ ...five, lockedUntil: now - 1 }), undefined, now)).toBe(0);
    expect(
      retryAfterSeconds(settings, record({ ...five, lockedUntil: now + 5000, expiresAt: now }), undefined, now),
    ).toBe(0);
    // A lock whose places were given back (logins that succeeded while it was in flight) locks nobody.
    expect(retryAfterSeconds(settings, record({ failures: 4, lockedUntil: now + 1500 }), undefined, now)).toBe(0);
  });

  test('the IP limit applies above the threshold until the window started by the first failure ends', () => {
    expect(retryAfterSeconds(settings, undefined, record({ failures: 100, windowStart: now - 60_000 }), now)).toBe(0);
    expect(retryAfterSeconds(settings, undefined, record({ failures: 101, windowStart: now - 60_000 }), now)).toBe(840);
    expect(
      retryAfterSeconds(
        settings,
        record({ failures: 5, lockedUntil: now + 10_000 }),
        record({ failures: 101, windowStart: now - 899_000 }),
        now,
      ),
    ).toBe(10);
  });
});
