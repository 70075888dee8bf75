import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthStore, SessionRecord, UserAdminStore, UserRecord } from '../core/ports';
import { READS, everySessionKey, sessionKey, userKey } from './schema';
import { toSession } from './session-items';
import { call, isConditionFailure, sameKey } from './table';
import { toUser, withLever } from './user-items';
import { PasskeyItems } from './passkey-items';

/**
 * The AuthStore and UserAdminStore on one DynamoDB table (docs/architecture.md "Data model"). Each
 * item kind's reads and writes are a layer of their own (table.ts, throttle-items.ts,
 * session-items.ts, user-items.ts); this last layer holds what spans kinds: the reads of several
 * kinds in one request, and the emergency lever's `GLOBAL#sessions` item.
 */
export class DynamoStore extends PasskeyItems implements AuthStore, UserAdminStore {
  async getLoginUser(username: string) {
    const keys = [userKey(username), everySessionKey];
    const items = await this.batchGet(keys, READS.login);
    return withLever(
      toUser(items.find((i) => sameKey(i, keys[0]))),
      items.find((i) => sameKey(i, everySessionKey)),
    );
  }

  async getSessionAndUser(
    sid: string,
    username: string,
    { passwordHash = false }: { passwordHash?: boolean } = {},
  ): Promise<{ session?: SessionRecord; user?: UserRecord }> {
    // The emergency lever's item rides in the same BatchGetItem: no extra round trip.
    const keys = [sessionKey(sid), userKey(username), everySessionKey];
    const items = await this.batchGet(keys, READS.sessionAndUser(passwordHash));
    return {
      session: toSession(items.find((i) => i.sk === 'SESSION')),
      user: withLever(
        toUser(items.find((i) => i.sk === 'PROFILE')),
        items.find((i) => i.sk === everySessionKey.sk),
      ),
    };
  }

  /**
   * The emergency lever (docs/operations.md): the global generation + 1, one atomic write with no
   * clock in it. Every session born under an earlier generation is ended on its next request.
   */
  async endEverySession(): Promise<number> {
    return this.moveGeneration('SET generation = if_not_exists(generation, :zero) + :one', undefined);
  }

  async undoEndEverySession(): Promise<number> {
    return this.moveGeneration('SET generation = generation - :one', 'generation > :zero');
  }

  private async moveGeneration(update: string, condition: string | undefined): Promise<number> {
    try {
      const out = await call(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: everySessionKey,
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return Number(out.Attributes?.generation ?? 0);
    } catch (err) {
      if (isConditionFailure(err)) return 0; // nothing to undo: the lever was never pulled
      throw err;
    }
  }
}
