import type { LockoutSettings } from './config';
import type { ThrottleRecord } from './ports';

/** A record past its expiry is treated as absent: TTL deletion is lazy and emulators never delete. */
export const live = (r: ThrottleRecord | undefined, nowMs: number) => (r && r.expiresAt > nowMs ? r : undefined);

/**
 * Whether a username record locks logins now. A lock only counts while the record holds at least
 * the threshold's worth of failures: the place that reached the threshold set it, and if places were
 * given back since (logins that succeeded while it was in flight), what set it is gone.
 */
export const locked = (settings: LockoutSettings, r: ThrottleRecord, nowMs: number) =>
  r.failures >= settings.maxFailures && r.lockedUntil > nowMs;

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
  if (user && locked(settings, user, nowMs)) waitMs = user.lockedUntil - nowMs;
  const ip = live(ipThrottle, nowMs);
  if (ip && ip.failures > settings.ipMaxFailures)
    waitMs = Math.max(waitMs, ip.windowStart + settings.windowSeconds * 1000 - nowMs);
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
}

/**
 * How long (ms) the n-th failure in a row locks a username: 0 below the threshold, then
 * base × 2^(n − max), capped.
 */
/** Whole seconds (at least 1) until the window of a count that refused a request ends: its `Retry-After`. */
export const windowRetryAfter = (record: ThrottleRecord, windowMs: number, nowMs: number): number =>
  Math.max(1, Math.ceil((record.windowStart + windowMs - nowMs) / 1000));

export function lockDuration(settings: LockoutSettings, failures: number): number {
  if (failures < settings.maxFailures) return 0;
  return (
    Math.min(settings.baseLockSeconds * 2 ** Math.min(failures - settings.maxFailures, 30), settings.maxLockSeconds) *
    1000
  );
}
