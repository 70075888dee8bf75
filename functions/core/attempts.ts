import type { LockoutSettings } from './config';
import { live, lockDuration, locked, windowRetryAfter } from './lockout';
import type { AttemptStore, ThrottleRecord } from './ports';
import { secondsMs } from './time';

/**
 * An attempt's places in the failure counts (docs/http-contract.md "Brute force"): taken before its
 * password is checked, kept when the password is wrong (the place *is* the failure), given back when
 * it is right.
 */
export interface AttemptPlace {
  username: string;
  ip: string;
  /** The username's record exactly as this attempt wrote it (absent: a passkey login, which counts per IP only). */
  user?: ThrottleRecord;
  /** The start of the IP window the place was taken in. */
  ipWindowStart: number;
}

export type Reservation = { place: AttemptPlace } | { retryAfter: number };

/**
 * How often one attempt may find the username's record changed under it before it gives up and is
 * refused. Each lost race means another attempt took a place, so a burst that exhausts this was
 * already refused by the lock, or is one no human sends.
 */
const MAX_RACES = 8;

/**
 * The one brute-force mechanism of every route that checks a password. Each attempt first takes its
 * place in the username's count (an atomic add bounded below the threshold, or for the place that
 * reaches it a compare-and-set that also writes the lock that failure would cause) and in the IP's
 * count (an atomic add bounded by the limit); however many attempts arrive at once, only those that
 * got both places have their password checked.
 */
export class AttemptLimiter {
  constructor(
    private readonly store: AttemptStore,
    private readonly settings: LockoutSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes a place for the username and for the IP, or says how many seconds to wait. Nothing is read
   * first: the two conditional writes refuse a locked username or an IP past its limit themselves, so
   * a login sends them beside its read of the user (one round trip, docs/performance.md); only a
   * refused or contended write reads the record it met.
   */
  async reserve({ username, ip }: { username: string; ip: string }): Promise<Reservation> {
    const nowMs = this.now();
    const [user, address] = await Promise.allSettled([
      this.takeUserPlace(username, nowMs),
      this.takeIpPlace(ip, nowMs),
    ]);
    const userPlace = user.status === 'fulfilled' && 'record' in user.value ? user.value.record : undefined;
    const ipStart = address.status === 'fulfilled' && 'windowStart' in address.value ? address.value : undefined;
    if (userPlace && ipStart) return { place: { username, ip, user: userPlace, ipWindowStart: ipStart.windowStart } };

    // One side refused (or failed): the place taken on the other side was not used, so that one
    // place goes back, and only it. Never the success release, which would forget every earlier
    // failure and any lock (docs/http-contract.md "Brute force").
    await Promise.allSettled([
      userPlace ? this.takeBackUser(username, userPlace, nowMs) : undefined,
      ipStart ? this.store.releaseIpPlace(ip, ipStart.windowStart) : undefined,
    ]);
    if (user.status === 'rejected') throw user.reason;
    if (address.status === 'rejected') throw address.reason;
    const waits = [user.value, address.value].map((v) => ('retryAfter' in v ? v.retryAfter : 0));
    return { retryAfter: Math.max(...waits) };
  }

  /**
   * `reserve` beside a read the attempt needs (the user, or the caller's session): one round trip for
   * both (docs/performance.md "Round trips"). If the read fails no password will be checked, so the
   * places taken beside it go back as unused ones, and the read's error is thrown.
   */
  async reserveBeside<T>(read: Promise<T>, subject: { username: string; ip: string }): Promise<[T, Reservation]> {
    const [got, reserved] = await Promise.allSettled([read, this.reserve(subject)]);
    if (got.status === 'rejected') {
      if (reserved.status === 'fulfilled' && 'place' in reserved.value) await this.takeBack(reserved.value.place);
      throw got.reason;
    }
    if (reserved.status === 'rejected') throw reserved.reason;
    return [got.value, reserved.value];
  }

  /**
   * A place in the IP's count only, beside a read (a passkey login, docs/passkeys.md): a signature cannot
   * be guessed, and a stranger must not lock a user's password logins through it. The place's
   * `username` is empty until the passkey names its user.
   */
  async reserveIpBeside<T>(read: Promise<T>, ip: string): Promise<[T, Reservation]> {
    const nowMs = this.now();
    const [got, taken] = await Promise.allSettled([read, this.takeIpPlace(ip, nowMs)]);
    const start = taken.status === 'fulfilled' && 'windowStart' in taken.value ? taken.value.windowStart : undefined;
    if (got.status === 'rejected') {
      if (start !== undefined) await this.store.releaseIpPlace(ip, start).catch(() => undefined);
      throw got.reason;
    }
    if (taken.status === 'rejected') throw taken.reason;
    if (start === undefined) return [got.value, { retryAfter: (taken.value as { retryAfter: number }).retryAfter }];
    return [got.value, { place: { username: '', ip, ipWindowStart: start } }];
  }

  /** Both places of an attempt that never checked its password, back as unused ones. Best effort. */
  private async takeBack(place: AttemptPlace): Promise<void> {
    await Promise.allSettled([
      place.user ? this.takeBackUser(place.username, place.user, this.now()) : undefined,
      this.store.releaseIpPlace(place.ip, place.ipWindowStart),
    ]);
  }

  private takeBackUser(username: string, mine: ThrottleRecord, nowMs: number): Promise<void> {
    return this.store.takeBackUserPlace(username, mine, { now: nowMs, maxFailures: this.settings.maxFailures });
  }

  /** The password was right: the attempt was no failure, so both places go back. */
  async giveBack(place: AttemptPlace): Promise<void> {
    await Promise.all([
      place.user ? this.store.releaseUserPlace(place.username, place.user) : undefined,
      this.store.releaseIpPlace(place.ip, place.ipWindowStart),
    ]);
  }

  /**
   * Compare-and-set on the username's record: failures + 1, and the lock that failure would set
   * (so concurrent attempts see it before this one's password is even checked).
   */
  private async takeUserPlace(
    username: string,
    nowMs: number,
  ): Promise<{ record: ThrottleRecord } | { retryAfter: number }> {
    const subject = { kind: 'user', username } as const;
    const windowMs = secondsMs(this.settings.windowSeconds);
    // Unknown until a write is refused: the atomic add goes first, as for an absent record.
    let current: ThrottleRecord | undefined;
    // An absent record is started by the atomic add; an expired one still in the table (TTL deletes
    // lazily) fails its condition and is then replaced by compare-and-set.
    let viaAdd = true;
    for (let race = 0; race < MAX_RACES; race++) {
      if (current && locked(this.settings, current, nowMs))
        return { retryAfter: Math.ceil((current.lockedUntil - nowMs) / 1000) };
      const failures = (current?.failures ?? 0) + 1;
      if (viaAdd && failures < this.settings.maxFailures) {
        // No lock follows from this place: one atomic add (which also starts an absent record),
        // bounded below the threshold in its condition, lets concurrent attempts in without a race.
        const added = await this.store.addUserPlace(username, {
          at: nowMs,
          windowMs,
          below: this.settings.maxFailures,
        });
        if (added.placed && added.record) return { record: added.record };
        // Refused: the record it met (read once) says why: a lock, the threshold, an expired record.
        current = live(added.record, nowMs);
        viaAdd = current !== undefined;
        continue;
      }
      // The place that locks (or an expired record to replace): compare-and-set, so exactly one
      // attempt takes it.
      const lockMs = lockDuration(this.settings, failures);
      const next: ThrottleRecord = {
        failures,
        lockedUntil: lockMs > 0 ? nowMs + lockMs : 0,
        windowStart: current?.windowStart ?? nowMs,
        // Failures are forgotten a window after the last one, and never before the lock ends.
        expiresAt: nowMs + Math.max(windowMs, lockMs),
      };
      if (await this.store.replaceThrottle(subject, { next, expected: current, now: nowMs })) return { record: next };
      current = live(await this.store.getThrottle(subject), nowMs);
      viaAdd = current !== undefined;
    }
    return { retryAfter: 1 };
  }

  /** One atomic add, refused once the window holds more failures than the limit. */
  private async takeIpPlace(ip: string, nowMs: number): Promise<{ windowStart: number } | { retryAfter: number }> {
    const windowMs = secondsMs(this.settings.windowSeconds);
    const taken = await this.store.takeIpPlace(ip, { at: nowMs, windowMs, maxFailures: this.settings.ipMaxFailures });
    if (taken.placed) return { windowStart: taken.record.windowStart };
    return { retryAfter: windowRetryAfter(taken.record, windowMs, nowMs) };
  }
}
