import type { LockoutSettings } from './config';
import type { ThrottleRecord } from './ports';

/** A record past its expiry is treated as absent: TTL deletion is lazy and emulators never delete. */
const live = (r: ThrottleRecord | undefined, nowMs: number) => (r && r.expiresAt * 1000 > nowMs ? r : undefined);

/**
 * Seconds a login must wait, or 0. The username lock comes from failures in a row; the IP limit
 * from failures within a fixed window. Neither is extended by the refused attempt itself.
 */
export function retryAfterSeconds(
  settings: LockoutSettings,
  userThrottle: ThrottleRecord | undefined,
  ipThrottle: ThrottleRecord | undefined,
  nowMs: number,
): number {
  let waitMs = 0;
  const user = live(userThrottle, nowMs);
  if (user && user.lockedUntil > nowMs) waitMs = user.lockedUntil - nowMs;
  const ip = live(ipThrottle, nowMs);
  if (ip && ip.failures > settings.ipMaxFailures) waitMs = Math.max(waitMs, ip.windowStart + settings.windowSeconds * 1000 - nowMs);
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
}

/** The username record after one more failure: locked for base × 2^(n − max) seconds, capped, once n ≥ max. */
export function afterUserFailure(settings: LockoutSettings, previous: ThrottleRecord | undefined, nowMs: number): ThrottleRecord {
  const prior = live(previous, nowMs);
  const failures = (prior?.failures ?? 0) + 1;
  const lockMs =
    failures >= settings.maxFailures
      ? Math.min(settings.baseLockSeconds * 2 ** Math.min(failures - settings.maxFailures, 30), settings.maxLockSeconds) * 1000
      : 0;
  return {
    failures,
    lockedUntil: lockMs > 0 ? nowMs + lockMs : 0,
    windowStart: prior?.windowStart ?? nowMs,
    // Forgotten a window after the last failure, and never before its lock ends.
    expiresAt: Math.ceil((Math.max(nowMs + settings.windowSeconds * 1000, nowMs + lockMs)) / 1000),
    version: (previous?.version ?? 0) + 1,
  };
}

/** The source-IP record after one more failure: a fixed window from its first failure. */
export function afterIpFailure(settings: LockoutSettings, previous: ThrottleRecord | undefined, nowMs: number): ThrottleRecord {
  const prior = live(previous, nowMs);
  const windowStart = prior?.windowStart ?? nowMs;
  return {
    failures: (prior?.failures ?? 0) + 1,
    lockedUntil: 0,
    windowStart,
    expiresAt: Math.ceil((windowStart + settings.windowSeconds * 1000) / 1000),
    version: (previous?.version ?? 0) + 1,
  };
}
