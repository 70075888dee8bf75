import type { ThrottleSubject } from '../core/ports';

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
