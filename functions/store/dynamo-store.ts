import { randomBytes } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  paginateQuery,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../core/errors';
import type {
  AuthStore,
  IpPlaceRequest,
  OwnSession,
  Rotation,
  SessionRecord,
  ThrottleRecord,
  ThrottleReplacement,
  ThrottleSubject,
  UserAdminStore,
  UserRecord,
} from '../core/ports';
import { TABLE, everySessionKey, sessionKey, throttleKey, userKey } from './schema';

export type Item = Record<string, unknown>;
export type Key = Record<string, string>;

export const isConditionFailure = (err: unknown) =>
  (err as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Any SDK failure (network, timeout, throttling, 5xx) means the request did not take effect: 503. */
export async function call<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isConditionFailure(err)) throw err;
    throw new ServiceUnavailableError('store', { cause: err });
  }
}

/** Runs a conditional write; false when its condition did not hold. */
export async function conditional(op: () => Promise<unknown>): Promise<boolean> {
  try {
    await call(op);
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

const num = (v: unknown) => (v === undefined ? undefined : Number(v));

// The domain's instants are epoch ms; TTL attributes (and absoluteExpiresAt beside them) are epoch
// seconds in the table, rounded up so that an item never expires before the domain said.
export const toSeconds = (ms: number) => Math.ceil(ms / 1000);
export const fromSeconds = (seconds: unknown) => Number(seconds) * 1000;

export function toUser(item: Item | undefined): UserRecord | undefined {
  if (!item) return undefined;
  return {
    username: String(item.username),
    passwordHash: String(item.passwordHash),
    email: item.email as string | undefined,
    fullName: item.fullName as string | undefined,
    disabled: item.disabled === true,
    createdAt: Number(item.createdAt),
    sessionsValidAfter: num(item.sessionsValidAfter),
    credentialVersion: item.credentialVersion as string | undefined,
    ...(item.emailVerified === undefined ? {} : { emailVerified: item.emailVerified === true }),
  };
}

function toSession(item: Item | undefined): SessionRecord | undefined {
  if (!item) return undefined;
  return {
    sid: String(item.sid),
    username: String(item.username),
    jti: String(item.jti),
    prevJti: item.prevJti as string | undefined,
    rotatedAt: num(item.rotatedAt),
    createdAt: Number(item.createdAt),
    lastUsedAt: Number(item.lastUsedAt),
    expiresAt: fromSeconds(item.expiresAt),
    absoluteExpiresAt: fromSeconds(item.absoluteExpiresAt ?? item.expiresAt),
    credentialVersion: item.credentialVersion as string | undefined,
    clientId: item.clientId as string | undefined,
  };
}

function toThrottle(item: Item | undefined): ThrottleRecord | undefined {
  if (!item) return undefined;
  return {
    failures: Number(item.failures),
    lockedUntil: Number(item.lockedUntil ?? 0),
    windowStart: Number(item.windowStart ?? 0),
    expiresAt: fromSeconds(item.expiresAt),
  };
}

/** Names one place-taking write, so that the SDK's retry of it can be told from another attempt's write. */
const newWriteId = () => randomBytes(9).toString('base64url');

/** Deletes in flight at once when ending many sessions. */
export const DELETE_CONCURRENCY = 10;

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

/** failures + 1 on a throttle record, starting the record's fields when it is absent (:zero, :one, :at). */
const START_OR_ADD_ONE =
  'SET failures = if_not_exists(failures, :zero) + :one, lockedUntil = if_not_exists(lockedUntil, :zero), ' +
  'windowStart = if_not_exists(windowStart, :at)';

const sameKey = (item: Item, key: Key) => item.pk === key.pk && item.sk === key.sk;

/** The AuthStore and UserAdminStore on one DynamoDB table (docs/architecture.md "Data model"). */
export class DynamoStore implements AuthStore, UserAdminStore {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  /** BatchGetItem, strongly consistent, asking again for any keys DynamoDB left unprocessed. */
  private async batchGet(keys: Key[]): Promise<Item[]> {
    let items: Item[] = [];
    let pending: Item[] | undefined = keys;
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt === 3) throw new ServiceUnavailableError('store');
      const request: Item[] = pending;
      const out = await call(() =>
        this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: request, ConsistentRead: true } } }),
        ),
      );
      items = items.concat(out.Responses?.[this.tableName] ?? []);
      pending = out.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    return items;
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const out = await call(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key: userKey(username), ConsistentRead: true })),
    );
    return toUser(out.Item);
  }

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

  async getThrottle(subject: ThrottleSubject): Promise<ThrottleRecord | undefined> {
    return toThrottle(await this.throttleItem(subject));
  }

  async replaceThrottle(subject: ThrottleSubject, { next, expected, now }: ThrottleReplacement): Promise<boolean> {
    // The record's failures and lock together say which attempts came before: equality on both is
    // the compare of compare-and-set (a place given back lowers failures but never restores a lock).
    const condition = expected
      ? {
          ConditionExpression: 'failures = :f AND lockedUntil = :l',
          values: { ':f': expected.failures, ':l': expected.lockedUntil },
        }
      : {
          // Absent, expired, or without an expiry (not one of ours): replaced, never a lock forever.
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(expiresAt) OR expiresAt <= :now',
          values: { ':now': Math.floor(now / 1000) },
        };
    const id = newWriteId();
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...throttleKey(subject), ...next, expiresAt: toSeconds(next.expiresAt), lastWrite: id },
          ConditionExpression: condition.ConditionExpression,
          ExpressionAttributeValues: condition.values,
        }),
      ),
    );
    return written || (await this.wroteLast(subject, id)) !== undefined;
  }

  /**
   * The record, if the last write to it was ours (`id`): how a place-taking write that failed its
   * condition tells "someone else came first" from "the SDK retried my committed write after its
   * answer was lost" (a timeout), which must not count one attempt twice.
   */
  private async wroteLast(subject: ThrottleSubject, id: string): Promise<ThrottleRecord | undefined> {
    const item = await this.throttleItem(subject);
    return item?.lastWrite === id ? toThrottle(item) : undefined;
  }

  private async throttleItem(subject: ThrottleSubject): Promise<Item | undefined> {
    return this.itemAt(throttleKey(subject));
  }

  /** One item, strongly consistent. */
  protected async itemAt(Key: Key): Promise<Item | undefined> {
    const out = await call(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true })),
    );
    return out.Item;
  }

  async addUserPlace(username: string, { at, windowMs, below }: { at: number; windowMs: number; below: number }) {
    const id = newWriteId();
    try {
      // One request whether the record is absent or live (if_not_exists starts it): the common login.
      const out = await call(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: throttleKey({ kind: 'user', username }),
            UpdateExpression: `${START_OR_ADD_ONE}, expiresAt = :end, lastWrite = :id`,
            // Absent, or live and unlocked; and this place does not reach the threshold (which needs
            // its lock set with it: the compare-and-set of replaceThrottle). An expired record fails
            // the condition: the caller replaces it by compare-and-set. A retry of this very write
            // (same :id) fails it too, so one attempt is never counted twice.
            ConditionExpression:
              '(attribute_not_exists(pk) OR (expiresAt > :now AND failures < :last)) ' + 'AND NOT lastWrite = :id',
            ExpressionAttributeValues: {
              ':id': id,
              ':zero': 0,
              ':one': 1,
              ':at': at,
              ':end': toSeconds(at + windowMs),
              ':now': Math.floor(at / 1000),
              ':last': below - 1,
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toThrottle(out.Attributes);
    } catch (err) {
      if (isConditionFailure(err)) return this.wroteLast({ kind: 'user', username }, id);
      throw err;
    }
  }

  async takeIpPlace(ip: string, request: IpPlaceRequest) {
    return this.takePlaceIn(throttleKey({ kind: 'ip', ip }), request);
  }

  /** The IP place's atomic bounded add, on any count record (the account routes' counts too). */
  protected async takePlaceIn(key: Key, { at, windowMs, maxFailures }: IpPlaceRequest) {
    const nowSec = Math.floor(at / 1000);
    const id = newWriteId();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        // One atomic write, absent or live (if_not_exists starts a window), bounded in its condition:
        // parallel attempts can never take more places than the limit.
        const out = await call(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: `${START_OR_ADD_ONE}, expiresAt = if_not_exists(expiresAt, :end), lastWrite = :id`,
              // Not a retry of this very write (same :id): one attempt is never counted twice.
              ConditionExpression:
                '(attribute_not_exists(pk) OR (expiresAt > :now AND failures <= :max)) AND NOT lastWrite = :id',
              ExpressionAttributeValues: {
                ':id': id,
                ':zero': 0,
                ':one': 1,
                ':at': at,
                ':end': toSeconds(at + windowMs),
                ':now': nowSec,
                ':max': maxFailures,
              },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        return { placed: true, record: toThrottle(out.Attributes)! };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const item = await this.itemAt(key);
      const record = toThrottle(item);
      if (record && item?.lastWrite === id) return { placed: true, record };
      if (record && record.expiresAt > at && record.failures > maxFailures) return { placed: false, record };
      if (!record || record.expiresAt > at) continue; // gone or given back meanwhile: try again
      // Expired but not yet deleted (TTL deletes lazily): a new window replaces it.
      const fresh = { failures: 1, lockedUntil: 0, windowStart: at, expiresAt: toSeconds(at + windowMs) };
      const started = await conditional(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, ...fresh, lastWrite: id },
            ConditionExpression: 'expiresAt <= :now',
            ExpressionAttributeValues: { ':now': nowSec },
          }),
        ),
      );
      if (started) return { placed: true, record: { ...fresh, expiresAt: fromSeconds(fresh.expiresAt) } };
    }
    throw new ServiceUnavailableError('store');
  }

  async releaseUserPlace(username: string, mine: ThrottleRecord): Promise<void> {
    const Key = throttleKey({ kind: 'user', username });
    const untouched = await conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key,
          // Nobody took a place since mine, or mine is the last one left: the count (and any lock the
          // places in flight set) goes.
          ConditionExpression: '(failures = :f AND lockedUntil = :l) OR failures <= :one',
          ExpressionAttributeValues: { ':f': mine.failures, ':l': mine.lockedUntil, ':one': 1 },
        }),
      ),
    );
    if (untouched) return;
    await this.takeOneBack(Key, { condition: 'failures > :zero', values: { ':zero': 0 } });
  }

  async releaseIpPlace(ip: string, windowStart: number): Promise<void> {
    await this.takeOneBack(throttleKey({ kind: 'ip', ip }), {
      condition: 'failures > :zero AND windowStart = :ws',
      values: { ':zero': 0, ':ws': windowStart },
    });
  }

  /** ADD failures -1 under a condition; a record that no longer qualifies is left alone. */
  private async takeOneBack(Key: Key, { condition, values }: { condition: string; values: Item }): Promise<void> {
    await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'ADD failures :minus',
          ConditionExpression: condition,
          ExpressionAttributeValues: { ':minus': -1, ...values },
        }),
      ),
    );
  }

  async clearThrottle(subject: ThrottleSubject): Promise<void> {
    await call(() => this.db.send(new DeleteCommand({ TableName: this.tableName, Key: throttleKey(subject) })));
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

  async getSession(sid: string): Promise<SessionRecord | undefined> {
    const out = await call(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key: sessionKey(sid), ConsistentRead: true })),
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
          UpdateExpression: 'SET jti = :new, prevJti = :old, rotatedAt = :at, lastUsedAt = :at, expiresAt = :exp',
          // The whole race is decided here: only one writer can move `jti` off the presented id.
          ConditionExpression: 'attribute_exists(pk) AND jti = :old',
          ExpressionAttributeValues: {
            ':new': r.jti,
            ':old': r.prevJti,
            ':at': r.rotatedAt,
            ':exp': toSeconds(r.expiresAt),
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

  async endAllSessions(username: string, at: number): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET sessionsValidAfter = :t',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': at },
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
        KeyConditionExpression: '#pk = :u',
        ExpressionAttributeNames: { '#pk': TABLE.indexPartitionKey },
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
      const items = await this.batchGet(sids.slice(i, i + 100).map(sessionKey));
      for (const item of items) sessions.push(toSession(item)!);
    }
    return sessions;
  }

  async replacePasswordHash(username: string, { checked, next }: { checked: string; next: string }) {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET passwordHash = :next',
          // Only the hash that was checked: a password replaced meanwhile must not be put back.
          ConditionExpression: 'passwordHash = :checked',
          ExpressionAttributeValues: { ':next': next, ':checked': checked },
        }),
      ),
    );
  }

  async moveSessionToVersion(sid: string, username: string, credentialVersion: string): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sessionKey(sid),
          UpdateExpression: 'SET credentialVersion = :v',
          ConditionExpression: 'attribute_exists(pk) AND username = :u',
          ExpressionAttributeValues: { ':v': credentialVersion, ':u': username },
        }),
      ),
    );
  }

  async replaceCredentials(
    username: string,
    { checked, passwordHash, credentialVersion }: { checked: string; passwordHash: string; credentialVersion: string },
  ): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET passwordHash = :h, credentialVersion = :v',
          ConditionExpression: 'passwordHash = :checked',
          ExpressionAttributeValues: { ':h': passwordHash, ':v': credentialVersion, ':checked': checked },
        }),
      ),
    );
  }

  async putUser(user: UserRecord, { overwrite }: { overwrite: boolean }): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...userKey(user.username), ...user },
          ConditionExpression: overwrite ? undefined : 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async setDisabled(
    username: string,
    { disabled, endSessionsAt }: { disabled: boolean; endSessionsAt?: number },
  ): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression:
            endSessionsAt === undefined ? 'SET disabled = :d' : 'SET disabled = :d, sessionsValidAfter = :t',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':d': disabled,
            ...(endSessionsAt === undefined ? {} : { ':t': endSessionsAt }),
          },
        }),
      ),
    );
  }

  async setPassword(
    username: string,
    {
      passwordHash,
      credentialVersion,
      endSessionsAt,
    }: { passwordHash: string; credentialVersion: string; endSessionsAt: number },
  ): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET passwordHash = :h, credentialVersion = :v, sessionsValidAfter = :t',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':h': passwordHash, ':v': credentialVersion, ':t': endSessionsAt },
        }),
      ),
    );
  }

  async setEmailVerified(username: string): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET emailVerified = :true',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':true': true },
        }),
      ),
    );
  }

  async deleteUser(username: string): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: userKey(username),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  async listUsers(): Promise<UserRecord[]> {
    // Admin-only and rare: a filtered Scan is fine here; no Lambda role is granted Scan.
    const users: UserRecord[] = [];
    const pages = paginateScan(
      { client: this.db },
      { TableName: this.tableName, FilterExpression: 'sk = :p', ExpressionAttributeValues: { ':p': 'PROFILE' } },
    );
    for await (const page of pages) for (const item of page.Items ?? []) users.push(toUser(item)!);
    return users;
  }
}
