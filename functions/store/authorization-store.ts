import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  AuthorizationCode,
  AuthorizationStore,
  AuthorizedUser,
  PendingAuthorization,
} from '../core/authorization-ports';
import type { SessionRecord, UserRecord } from '../core/ports';
import { READS, authorizationKey, codeKey } from './schema';
import { type Item, TableItems, call, conditional, fromSeconds, isConditionFailure, toSeconds } from './table';

/** A day: how long a code's item stays after its 60 s, as the record a replay is recognised by. */
const CODE_RECORD_SECONDS = 86_400;

function toPending(item: Item | undefined, nowMs: number): PendingAuthorization | undefined {
  if (!item || fromSeconds(item.expiresAt) <= nowMs) return undefined;
  return {
    id: String(item.id),
    request: item.request as PendingAuthorization['request'],
    browserHash: String(item.browserHash),
    createdAt: Number(item.createdAt),
    expiresAt: fromSeconds(item.expiresAt),
    ...(item.user ? { user: item.user as AuthorizedUser } : {}),
  };
}

const toCode = (item: Item | undefined): AuthorizationCode | undefined =>
  item ? ({ ...item, scope: [...((item.scope as string[]) ?? [])] } as unknown as AuthorizationCode) : undefined;

/**
 * Pending authorizations (`AUTHZ#<id>`) and codes (`CODE#<sha256>`), docs/authorization-server.md. A
 * pending authorization is used up by one conditional delete; a code by one conditional update that
 * keeps its item as the replay record. Reads treat an expired item as absent (TTL deletion is lazy).
 * The sessions and users come from the store these functions already have (`sessions`).
 */
export class DynamoAuthorizationStore extends TableItems implements AuthorizationStore {
  constructor(
    db: ConstructorParameters<typeof TableItems>[0],
    tableName: string,
    private readonly sessions: {
      getSession(sid: string): Promise<SessionRecord | undefined>;
      getPasskeyUser(username: string): Promise<UserRecord | undefined>;
      deleteSessions(sids: string[]): Promise<unknown>;
    },
  ) {
    super(db, tableName);
  }

  getSession = (sid: string) => this.sessions.getSession(sid);
  getPasskeyUser = (username: string) => this.sessions.getPasskeyUser(username);
  deleteSessions = (sids: string[]) => this.sessions.deleteSessions(sids);

  async putPendingAuthorization(pending: PendingAuthorization): Promise<void> {
    const { expiresAt, ...rest } = pending;
    await call(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...authorizationKey(pending.id), ...rest, expiresAt: toSeconds(expiresAt) },
        }),
      ),
    );
  }

  async getPendingAuthorization(id: string, nowMs: number): Promise<PendingAuthorization | undefined> {
    return toPending(await this.itemAt(authorizationKey(id), READS.authorization), nowMs);
  }

  async setAuthorizedUser(id: string, user: AuthorizedUser, nowMs: number): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: authorizationKey(id),
          UpdateExpression: 'SET #user = :user',
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
          ExpressionAttributeNames: { '#user': 'user' },
          ExpressionAttributeValues: { ':user': user, ':now': Math.floor(nowMs / 1000) },
        }),
      ),
    );
  }

  async consumePendingAuthorization(id: string, nowMs: number): Promise<PendingAuthorization | undefined> {
    try {
      const out = await call(() =>
        this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: authorizationKey(id),
            ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
            ExpressionAttributeValues: { ':now': Math.floor(nowMs / 1000) },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      return toPending(out.Attributes, nowMs);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async putCode(code: AuthorizationCode): Promise<void> {
    await call(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...codeKey(code.hash),
            ...code,
            expiresAt: toSeconds(code.issuedAt) + CODE_RECORD_SECONDS,
          },
        }),
      ),
    );
  }

  async getCode(hash: string): Promise<AuthorizationCode | undefined> {
    return toCode(await this.itemAt(codeKey(hash), READS.code));
  }

  async deleteCode(hash: string): Promise<void> {
    await call(() => this.db.send(new DeleteCommand({ TableName: this.tableName, Key: codeKey(hash) })));
  }

  async markCodeUsed(hash: string, { usedAt, sid }: { usedAt: number; sid: string }): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: codeKey(hash),
          UpdateExpression: 'SET #usedAt = :usedAt, #sid = :sid',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#usedAt)',
          ExpressionAttributeNames: { '#usedAt': 'usedAt', '#sid': 'sid' },
          ExpressionAttributeValues: { ':usedAt': usedAt, ':sid': sid },
        }),
      ),
    );
  }

  async unmarkCode(hash: string, sid: string): Promise<void> {
    await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: codeKey(hash),
          UpdateExpression: 'REMOVE #usedAt, #sid',
          ConditionExpression: '#sid = :sid',
          ExpressionAttributeNames: { '#usedAt': 'usedAt', '#sid': 'sid' },
          ExpressionAttributeValues: { ':sid': sid },
        }),
      ),
    );
  }
}
