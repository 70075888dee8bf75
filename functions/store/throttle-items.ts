import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../core/errors';
import type { IpPlaceRequest, ThrottleRecord, ThrottleReplacement, ThrottleSubject } from '../core/ports';
import { READS, throttleKey } from './schema';
import {
  type Item,
  type Key,
  TableItems,
  conditional,
  call,
  fromSeconds,
  isConditionFailure,
  toSeconds,
} from './table';

/** A throttle or count item as the domain reads it (TTL seconds back to epoch ms). */
export function toThrottle(item: Item | undefined): ThrottleRecord | undefined {
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

/** failures + 1 on a throttle record, starting the record's fields when it is absent (:zero, :one, :at). */
const START_OR_ADD_ONE =
  'SET failures = if_not_exists(failures, :zero) + :one, lockedUntil = if_not_exists(lockedUntil, :zero), ' +
  'windowStart = if_not_exists(windowStart, :at)';

/**
 * The failure counts of the attempt reservation (`THROTTLE#<username>`, `THROTTLE_IP#<ip>`): places
 * taken and given back by atomic conditional writes (docs/http-contract.md "Brute force").
 */
export class ThrottleItems extends TableItems {
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
    return this.itemAt(throttleKey(subject), READS.throttle);
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
      return { placed: true, record: toThrottle(out.Attributes) };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    // Refused, or a retry of this very write after its answer was lost: the record says which, and
    // what refused it (a lock: its Retry-After) without another read.
    const item = await this.throttleItem({ kind: 'user', username });
    return { placed: item !== undefined && item.lastWrite === id, record: toThrottle(item) };
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
      const item = await this.itemAt(key, READS.throttle);
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

  async takeBackUserPlace(
    username: string,
    mine: ThrottleRecord,
    { now, maxFailures }: { now: number; maxFailures: number },
  ): Promise<void> {
    await this.takeOneBack(throttleKey({ kind: 'user', username }), {
      // Never the lock: while it holds, the count stays at or above the threshold that makes it count.
      condition: 'failures > :zero AND windowStart = :ws AND (lockedUntil <= :now OR failures > :max)',
      values: { ':zero': 0, ':ws': mine.windowStart, ':now': now, ':max': maxFailures },
    });
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
}
