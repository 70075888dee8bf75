import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthStore, SessionRecord, UserAdminStore, UserRecord } from '../core/ports';
import { everySessionKey, sessionKey, throttleKey, userKey } from './schema';
import { toSession } from './session-items';
import { type Key, conditional, num, sameKey } from './table';
import { toThrottle } from './throttle-items';
import { UserItems, toUser } from './user-items';

/**
 * The AuthStore and UserAdminStore on one DynamoDB table (docs/architecture.md "Data model"). Each
 * item kind's reads and writes are a layer of their own (table.ts, throttle-items.ts,
 * session-items.ts, user-items.ts); this last layer holds what spans kinds: the reads of several
 * kinds in one request, and the emergency lever's `GLOBAL#sessions` item.
 */
export class DynamoStore extends UserItems implements AuthStore, UserAdminStore {
  async getLoginState(username: string, ip: string) {
    const keys = {
      user: userKey(username),
      userThrottle: throttleKey({ kind: 'user', username }),
      ipThrottle: throttleKey({ kind: 'ip', ip }),
    };
    const items = await this.batchGet(Object.values(keys));
    const find = (key: Key) => items.find((i) => sameKey(i, key));
    return {
      user: toUser(find(keys.user)),
      userThrottle: toThrottle(find(keys.userThrottle)),
      ipThrottle: toThrottle(find(keys.ipThrottle)),
    };
  }

  async getSessionAndUser(sid: string, username: string): Promise<{ session?: SessionRecord; user?: UserRecord }> {
    // The emergency lever's item rides in the same BatchGetItem: no extra round trip.
    const items = await this.batchGet([sessionKey(sid), userKey(username), everySessionKey]);
    const user = toUser(items.find((i) => i.sk === 'PROFILE'));
    const everyone = num(items.find((i) => i.sk === everySessionKey.sk)?.sessionsValidAfter);
    return {
      session: toSession(items.find((i) => i.sk === 'SESSION')),
      // Sessions ended for everyone are ended for this user: every check of sessionsValidAfter
      // (liveness, listing, deleting one's own) then honours the lever with no rule of its own.
      user:
        user && everyone !== undefined && everyone > (user.sessionsValidAfter ?? -1)
          ? { ...user, sessionsValidAfter: everyone }
          : user,
    };
  }

  /** The emergency lever: every session of every user created at or before `at` is ended. Never moves back. */
  async endEverySession(at: number): Promise<void> {
    await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: everySessionKey,
          UpdateExpression: 'SET sessionsValidAfter = :at',
          ConditionExpression: 'attribute_not_exists(sessionsValidAfter) OR sessionsValidAfter < :at',
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }
}
