import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../core/errors';
import type { OwnSession, Rotation, SessionRecord } from '../core/ports';
import { READS, TABLE, sessionKey } from './schema';
import { ThrottleItems } from './throttle-items';
import { type Item, call, conditional, fromSeconds, num, projection, toSeconds } from './table';

/** A session item as the domain reads it (TTL seconds back to epoch ms). */
export function toSession(item: Item | undefined): SessionRecord | undefined {
  if (!item) return undefined;
  return {
    sid: String(item.sid),
    username: String(item.username),
    jti: String(item.jti),
    prevJti: item.prevJti as string | undefined,
    rotatedAt: num(item.rotatedAt),
    olderJtis: Array.isArray(item.olderJtis)
      ? (item.olderJtis as Item[]).map((t) => ({ jti: String(t.jti), rotatedAt: Number(t.rotatedAt) }))
      : undefined,
    createdAt: Number(item.createdAt),
    lastUsedAt: Number(item.lastUsedAt),
    expiresAt: fromSeconds(item.expiresAt),
    absoluteExpiresAt: fromSeconds(item.absoluteExpiresAt ?? item.expiresAt),
    credentialVersion: item.credentialVersion as string | undefined,
    clientId: item.clientId as string | undefined,
    globalGeneration: num(item.globalGeneration),
    ...(item.authAt === undefined ? {} : { authAt: Number(item.authAt) }),
    ...(Array.isArray(item.amr) ? { amr: item.amr as SessionRecord['amr'] } : {}),
    ...(Array.isArray(item.scope) ? { scope: (item.scope as unknown[]).map(String) } : {}),
    ...(item.clientRegistered === true ? { clientRegistered: true } : {}),
    ...(item.thirdParty === true ? { thirdParty: true } : {}),
    ...(item.kind === 'sso' ? { kind: 'sso' as const, ssoHash: String(item.ssoHash) } : {}),
  };
}

/** `fn` over every item, at most `limit` running at once; results in input order; the first failure rejects. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Deletes in flight at once when ending many sessions. */
export const DELETE_CONCURRENCY = 10;

/**
 * The session items (`SESSION#<sid>`), one per login, on the sessions index under `USER#<username>`:
 * deleting one is what revokes it; a rotation is one conditional update (docs/architecture.md "Data model").
 */
export class SessionItems extends ThrottleItems {
  async getSession(sid: string): Promise<SessionRecord | undefined> {
    const out = await call(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: sessionKey(sid),
          ConsistentRead: true,
          ...projection(READS.session),
        }),
      ),
    );
    return toSession(out.Item);
  }

  async putSession(session: SessionRecord): Promise<void> {
    // The condition can only fail when the SDK retried a write whose first answer was lost: the
    // id is 128 fresh random bits, so the item there is this very session. That is a success.
    await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...sessionKey(session.sid),
            ...session,
            expiresAt: toSeconds(session.expiresAt),
            absoluteExpiresAt: toSeconds(session.absoluteExpiresAt),
            [TABLE.indexPartitionKey]: `USER#${session.username}`,
            [TABLE.indexSortKey]: `SESSION#${session.createdAt}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async rotateSession(sid: string, r: Rotation): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sessionKey(sid),
          UpdateExpression:
            'SET jti = :new, prevJti = :old, rotatedAt = :at, lastUsedAt = :at, expiresAt = :exp, olderJtis = :older',
          // The whole race is decided here: only one writer can move `jti` off the presented id.
          ConditionExpression: 'attribute_exists(pk) AND jti = :old',
          ExpressionAttributeValues: {
            ':new': r.jti,
            ':old': r.prevJti,
            ':at': r.rotatedAt,
            ':exp': toSeconds(r.expiresAt),
            ':older': r.olderJtis,
          },
        }),
      ),
    );
  }

  async deleteSessions(sids: string[]): Promise<SessionRecord[]> {
    // One DeleteItem per session (no BatchWriteItem grant needed, and ALL_OLD tells which sessions
    // really existed), at most DELETE_CONCURRENCY at a time: a user with many sessions must not
    // become a burst that throttles the table for everyone (docs/http-contract.md "Session cap").
    const old = await mapBounded(sids, DELETE_CONCURRENCY, (sid) =>
      call(() =>
        this.db.send(new DeleteCommand({ TableName: this.tableName, Key: sessionKey(sid), ReturnValues: 'ALL_OLD' })),
      ),
    );
    return old.map((o) => toSession(o.Attributes)).filter((s): s is SessionRecord => s !== undefined);
  }

  async deleteOwnSession({ sid, username, now, createdAfter, credentialVersion }: OwnSession): Promise<boolean> {
    const sameVersion =
      credentialVersion === undefined ? 'attribute_not_exists(credentialVersion)' : 'credentialVersion = :v';
    return conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: sessionKey(sid),
          // Another user's session, an expired one and one already ended by logout-all or a new
          // password all look the same: absent.
          ConditionExpression: `username = :u AND expiresAt > :now AND createdAt > :after AND ${sameVersion}`,
          ExpressionAttributeValues: {
            ':u': username,
            ':now': Math.floor(now / 1000),
            ':after': createdAfter,
            ...(credentialVersion === undefined ? {} : { ':v': credentialVersion }),
          },
        }),
      ),
    );
  }

  async listSessionIds(username: string): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: TABLE.userSessionsIndex,
        KeyConditionExpression: '#user = :u',
        ProjectionExpression: READS.sessionIds.map((_, i) => `#p${i}`).join(', '),
        ExpressionAttributeNames: {
          '#user': TABLE.indexPartitionKey,
          ...projection(READS.sessionIds).ExpressionAttributeNames,
        },
        ExpressionAttributeValues: { ':u': `USER#${username}` },
      },
    );
    try {
      for await (const page of pages)
        for (const item of page.Items ?? []) ids.push(String(item.pk).slice('SESSION#'.length));
    } catch (err) {
      throw new ServiceUnavailableError('store', { cause: err });
    }
    return ids;
  }

  async getSessions(sids: string[]): Promise<SessionRecord[]> {
    const sessions: SessionRecord[] = [];
    for (let i = 0; i < sids.length; i += 100) {
      const items = await this.batchGet(sids.slice(i, i + 100).map(sessionKey), READS.session);
      for (const item of items) sessions.push(toSession(item)!);
    }
    return sessions;
  }

  async moveSessionToVersion(
    sid: string,
    username: string,
    { credentialVersion, jti, expiresAt }: { credentialVersion: string; jti: string; expiresAt: number },
  ): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sessionKey(sid),
          UpdateExpression:
            'SET credentialVersion = :v, jti = :j, expiresAt = :exp REMOVE prevJti, rotatedAt, olderJtis',
          ConditionExpression: 'attribute_exists(pk) AND username = :u',
          ExpressionAttributeValues: {
            ':v': credentialVersion,
            ':j': jti,
            ':exp': toSeconds(expiresAt),
            ':u': username,
          },
        }),
      ),
    );
  }
}
