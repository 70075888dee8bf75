/**
 * The domain's one representation of an instant is epoch milliseconds; its configured durations
 * are seconds (as the environment and the wire give them). Conversions to TTL seconds and ISO
 * strings happen at the edges (functions/store, functions/http).
 */

/** Milliseconds in `seconds` seconds. */
export const secondsMs = (seconds: number): number => seconds * 1000;

/**
 * The instant rounded down to a whole second. Token times (JWT NumericDate) have no fraction, and a
 * session's expiry must be exactly its refresh token's `exp`, so session lifetimes start from here.
 */
export const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
