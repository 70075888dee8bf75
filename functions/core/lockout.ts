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

/** Whole seconds (at least 1) until the window of a count that refused a request ends: its `Retry-After`. */
export const windowRetryAfter = (record: ThrottleRecord, windowMs: number, nowMs: number): number =>
  Math.max(1, Math.ceil((record.windowStart + windowMs - nowMs) / 1000));

/**
 * How long (ms) the n-th failure in a row locks a username: 0 below the threshold, then
 * base × 2^(n − max), capped.
 */
export function lockDuration(settings: LockoutSettings, failures: number): number {
  if (failures < settings.maxFailures) return 0;
  return (
    Math.min(settings.baseLockSeconds * 2 ** Math.min(failures - settings.maxFailures, 30), settings.maxLockSeconds) *
    1000
  );
}
