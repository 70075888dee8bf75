import { createHash } from 'node:crypto';
import type { CounterSubject, ThrottleSubject } from '../core/ports';

/** The one table's key and attribute names, shared by the store, the local bootstrap and the CDK stack. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  userSessionsIndex: 'gsi1',
  indexPartitionKey: 'gsi1pk',
  indexSortKey: 'gsi1sk',
} as const;

export const userKey = (username: string) => ({ pk: `USER#${username}`, sk: 'PROFILE' });
export const sessionKey = (sid: string) => ({ pk: `SESSION#${sid}`, sk: 'SESSION' });
export const throttleKey = (subject: ThrottleSubject) =>
  subject.kind === 'user'
    ? { pk: `THROTTLE#${subject.username}`, sk: 'THROTTLE' }
    : { pk: `THROTTLE_IP#${subject.ip}`, sk: 'THROTTLE' };
/**
 * A username's look-alike claim: keyed by the SHA-256 of its confusable skeleton (a fixed size, whatever
 * the name expands to), holding the `username` that has it.
 */
export const nameKey = (skeleton: string) => ({
  pk: `NAME#${createHash('sha256').update(skeleton, 'utf8').digest('base64url')}`,
  sk: 'NAME',
});
/** A one-time token, keyed by the SHA-256 of the token: the token itself is never stored. */
export const oneTimeTokenKey = (hash: string) => ({ pk: `OTT#${hash}`, sk: 'OTT' });
/**
 * The account routes' counts live beside the login's failure counts, under the same partition (and
 * so the same grants' prefixes), with a sort key of their own: they never lock anyone out of a login.
 */
export const counterKey = (subject: CounterSubject) =>
  subject.kind === 'ip'
    ? { pk: `THROTTLE_IP#${subject.ip}`, sk: `COUNT#${subject.scope}` }
    : { pk: `THROTTLE#${subject.username}`, sk: `COUNT#${subject.scope}` };
/**
 * The one item every session check reads beside the session and the user: `sessionsValidAfter` for
 * every user at once (the emergency lever, docs/operations.md "Runbook"). Absent until the lever is first pulled.
 */
export const everySessionKey = { pk: 'GLOBAL#sessions', sk: 'EPOCH' } as const;
