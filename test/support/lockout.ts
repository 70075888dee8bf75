/**
 * How many passwords a burst may have checked, one by one in the worst order, if it lasted
 * `elapsedMs`: the threshold's worth, then one more each time a lock (1 s, doubling) ran out
 * meanwhile (docs/http-contract.md "Brute force": at most the threshold's worth per lock period).
 * On a slow machine a burst of 30 can outlast the first 1 s lock.
 */
export function maxChecks(elapsedMs: number, threshold = 5, baseLockMs = 1000): number {
  let checks = threshold;
  let lock = baseLockMs;
  for (let t = lock; t <= elapsedMs; t += lock) {
    checks++;
    lock *= 2;
  }
  return checks;
}
