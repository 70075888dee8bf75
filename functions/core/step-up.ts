import { DomainError } from './errors';
import type { SessionRecord } from './ports';
import { secondsMs } from './time';

/** REAUTH_MAX_AGE_SECONDS by default: how long after a login its session counts as recent. */
export const DEFAULT_REAUTH_MAX_AGE_SECONDS = 600;

/**
 * A route marked *recent* (docs/mfa.md "Recent authentication") needs a session whose user proved a
 * credential at most `maxAgeSeconds` ago; a session from before the rule has no `authAt` and never
 * is. Checked before any write.
 */
export function assertRecent(session: SessionRecord, nowMs: number, maxAgeSeconds: number): void {
  if (session.authAt === undefined || nowMs - session.authAt > secondsMs(maxAgeSeconds)) {
    throw new DomainError('recent_auth_required', 'Recent authentication required: log in again');
  }
}
