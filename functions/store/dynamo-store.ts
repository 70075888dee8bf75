import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../core/errors';
import type { AuthStore, SessionRecord, UserAdminStore, UserRecord } from '../core/ports';
import { TABLE, sessionKey, userKey } from './schema';

type Item = Record<string, unknown>;

const isConditionFailure = (err: unknown) => (err as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Any SDK failure (network, timeout, throttling, 5xx) means the request did not take effect: 503. */
async function call<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isConditionFailure(err)) throw err;
    throw new ServiceUnavailableError('store', { cause: err });
  }
}

function toUser(item: Item | undefined): UserRecord | undefined {
  if (!item) return undefined;
  return {
    username: String(item.username),
    passwordHash: String(item.passwordHash),
    email: item.email as string | undefined,
    fullName: item.fullName as string | undefined,
    disabled: item.disabled === true,
    createdAt: Number(item.createdAt),
    sessionsValidAfter: item.sessionsValidAfter === undefined ? undefined : Number(item.sessionsValidAfter),
  };
}

function toSession(item: Item | undefined): SessionRecord | undefined {
  if (!item) return undefined;
  return {
    sid: String(item.sid),
    username: String(item.username),
    jti: String(item.jti),
    createdAt: Number(item.createdAt),
    lastUsedAt: Number(item.lastUsedAt),
    expiresAt: Number(item.expiresAt),
  };
}

/** The AuthStore and UserAdminStore on one DynamoDB table (DESIGN.md "Data model"). */
export class DynamoStore implements AuthStore, UserAdminStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getUser(username: string): Promise<UserRecord | undefined> {
    const out = await call(() => this.db.send(new GetCommand({ TableName: this.tableName, Key: userKey(username), ConsistentRead: true })));
    return toUser(out.Item);
  }

  async getSessionAndUser(sid: string, username: string): Promise<{ session?: SessionRecord; user?: UserRecord }> {
    const keys = [sessionKey(sid), userKey(username)];
    let items: Item[] = [];
    let pending: Record<string, unknown>[] | undefined = keys;
    // BatchGetItem may return some keys unprocessed under load; ask again for those only.
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt === 3) throw new ServiceUnavailableError('store');
      const request: Record<string, unknown>[] = pending;
      const out = await call(() =>
        this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: request, ConsistentRead: true } } })),
      );
      items = items.concat(out.Responses?.[this.tableName] ?? []);
      pending = out.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    return {
      session: toSession(items.find((i) => i.sk === 'SESSION')),
      user: toUser(items.find((i) => i.sk === 'PROFILE')),
    };
  }

  async putSession(session: SessionRecord): Promise<void> {
    await call(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...sessionKey(session.sid),
            ...session,
            [TABLE.indexPartitionKey]: `USER#${session.username}`,
            [TABLE.indexSortKey]: `SESSION#${session.createdAt}`,
          },
          // A fresh 128-bit id never collides; the condition makes sure a retry cannot clobber another session.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async deleteSessions(sids: string[]): Promise<void> {
    // One DeleteItem per session (a logout names one, at most two): no BatchWriteItem grant needed.
    await Promise.all(sids.map((sid) => call(() => this.db.send(new DeleteCommand({ TableName: this.tableName, Key: sessionKey(sid) })))));
  }

  async putUser(user: UserRecord, overwrite: boolean): Promise<boolean> {
    try {
      await call(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...userKey(user.username), ...user },
            ConditionExpression: overwrite ? undefined : 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async setDisabled(username: string, disabled: boolean, endSessionsAt?: number): Promise<boolean> {
    try {
      await call(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: userKey(username),
            UpdateExpression: endSessionsAt === undefined ? 'SET disabled = :d' : 'SET disabled = :d, sessionsValidAfter = :t',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':d': disabled, ...(endSessionsAt === undefined ? {} : { ':t': endSessionsAt }) },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async deleteUser(username: string): Promise<boolean> {
    try {
      await call(() =>
        this.db.send(new DeleteCommand({ TableName: this.tableName, Key: userKey(username), ConditionExpression: 'attribute_exists(pk)' })),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async listUsers(): Promise<UserRecord[]> {
    // Admin-only and rare: a filtered Scan is fine here; no Lambda role is granted Scan.
    const users: UserRecord[] = [];
    const pages = paginateScan(
      { client: this.db },
      { TableName: this.tableName, FilterExpression: 'sk = :p', ExpressionAttributeValues: { ':p': 'PROFILE' } },
    );
    for await (const page of pages) for (const item of page.Items ?? []) users.push(toUser(item)!);
    return users.sort((a, b) => a.username.localeCompare(b.username));
  }
}
