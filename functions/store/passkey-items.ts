import { DeleteCommand, PutCommand, UpdateCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../core/errors';
import type { PasskeyStore, StoredPasskey, WebAuthnChallenge } from '../core/passkey-ports';
import { MfaItems } from './mfa-items';
import type { UserRecord } from '../core/ports';
import { READS, TABLE, challengeKey, everySessionKey, passkeyKey, passkeysIndexKey, userKey } from './schema';
import { type Item, call, conditional, fromSeconds, isConditionFailure, num, sameKey, toSeconds } from './table';
import { toUser, withLever } from './user-items';

function toPasskey(item: Item | undefined): StoredPasskey | undefined {
  if (!item) return undefined;
  return {
    id: String(item.id),
    username: String(item.username),
    userHandle: String(item.userHandle),
    publicKey: String(item.publicKey),
    alg: Number(item.alg),
    counter: Number(item.counter ?? 0),
    transports: (item.transports as string[] | undefined) ?? [],
    aaguid: String(item.aaguid),
    backupEligible: item.backupEligible === true,
    backedUp: item.backedUp === true,
    uvAtCreation: item.uvAtCreation === true,
    name: String(item.name),
    createdAt: Number(item.createdAt),
    lastUsedAt: num(item.lastUsedAt),
    cloneSuspectedAt: num(item.cloneSuspectedAt),
  };
}

function toChallenge(item: Item | undefined, now: number): WebAuthnChallenge | undefined {
  if (!item || fromSeconds(item.expiresAt) <= now) return undefined; // TTL deletion is lazy
  return {
    challenge: String(item.challenge),
    ceremony: item.ceremony as WebAuthnChallenge['ceremony'],
    username: item.username as string | undefined,
    sid: item.sid as string | undefined,
    userHandle: item.userHandle as string | undefined,
    expiresAt: fromSeconds(item.expiresAt),
  };
}

/** A passkey as an item: its own key, its place on the index (newest first by a zero-padded creation time). */
const passkeyItem = (p: StoredPasskey) => ({
  ...passkeyKey(p.id),
  ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
  [TABLE.indexPartitionKey]: passkeysIndexKey(p.username),
  [TABLE.indexSortKey]: String(p.createdAt).padStart(15, '0'),
});

/** A challenge as an item (its TTL in seconds). */
const challengeItem = (c: WebAuthnChallenge) => ({
  ...challengeKey(c.challenge),
  ...Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)),
  expiresAt: toSeconds(c.expiresAt),
});

/** Only an enabled user's credentials change. */
const ENABLED_USER = 'attribute_exists(pk) AND (attribute_not_exists(disabled) OR disabled = :false)';

/**
 * Passkeys and WebAuthn challenges (docs/passkeys.md): a passkey is an item of its own, listed per
 * user through the index; a challenge is used up by one conditional delete; a counter moves by one
 * conditional update.
 */
export class PasskeyItems extends MfaItems implements PasskeyStore {
  async getPasskeyUser(username: string): Promise<UserRecord | undefined> {
    const keys = [userKey(username), everySessionKey];
    const items = await this.batchGet(keys, READS.passkeyUser);
    return withLever(
      toUser(items.find((i) => sameKey(i, keys[0]))),
      items.find((i) => sameKey(i, everySessionKey)),
    );
  }

  async ensureUserHandle(username: string, candidate: string): Promise<string | undefined> {
    try {
      const out = await call(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: userKey(username),
            UpdateExpression: 'SET userHandle = if_not_exists(userHandle, :h)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':h': candidate },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return String(out.Attributes?.userHandle ?? candidate);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /** The keys of the user's passkey items, through the index (keys only). */
  private async passkeyKeys(username: string): Promise<Record<string, string>[]> {
    const ids: Record<string, string>[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: TABLE.userSessionsIndex,
        KeyConditionExpression: '#owner = :o',
        ProjectionExpression: '#pk, #sk',
        ExpressionAttributeNames: {
          '#owner': TABLE.indexPartitionKey,
          '#pk': TABLE.partitionKey,
          '#sk': TABLE.sortKey,
        },
        ExpressionAttributeValues: { ':o': passkeysIndexKey(username) },
      },
    );
    try {
      for await (const page of pages)
        for (const item of page.Items ?? []) ids.push({ pk: String(item.pk), sk: String(item.sk) });
    } catch (err) {
      throw new ServiceUnavailableError('store', { cause: err });
    }
    return ids;
  }

  async countPasskeys(username: string): Promise<number> {
    return (await this.passkeyKeys(username)).length;
  }

  async listPasskeys(username: string): Promise<StoredPasskey[]> {
    const ids = await this.passkeyKeys(username);
    if (ids.length === 0) return [];
    const items = await this.batchGet(ids, READS.passkey);
    return items
      .map((i) => toPasskey(i)!)
      .filter((p) => p.username === username)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  async getPasskey(id: string): Promise<StoredPasskey | undefined> {
    return toPasskey(await this.itemAt(passkeyKey(id), READS.passkey));
  }

  async putPasskey(passkey: StoredPasskey): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: passkeyItem(passkey),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async usePasskey(id: string, { expected, counter, at }: { expected: number; counter: number; at: number }) {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: passkeyKey(id),
          UpdateExpression: 'SET #counter = :c, lastUsedAt = :at',
          ConditionExpression:
            'attribute_exists(pk) AND #counter = :expected AND attribute_not_exists(cloneSuspectedAt)',
          ExpressionAttributeNames: { '#counter': 'counter' },
          ExpressionAttributeValues: { ':c': counter, ':at': at, ':expected': expected },
        }),
      ),
    );
  }

  async flagClone(id: string, at: number): Promise<void> {
    await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: passkeyKey(id),
          UpdateExpression: 'SET cloneSuspectedAt = if_not_exists(cloneSuspectedAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  async renamePasskey(id: string, username: string, name: string): Promise<StoredPasskey | undefined> {
    try {
      const out = await call(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: passkeyKey(id),
            UpdateExpression: 'SET #name = :n',
            ConditionExpression: 'attribute_exists(pk) AND username = :u',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ':n': name, ':u': username },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toPasskey(out.Attributes);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async deletePasskey(id: string, username: string): Promise<StoredPasskey | undefined> {
    try {
      const out = await call(() =>
        this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: passkeyKey(id),
            ConditionExpression: 'attribute_exists(pk) AND username = :u',
            ExpressionAttributeValues: { ':u': username },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      return toPasskey(out.Attributes);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /**
   * Deletes every passkey of the user (`users remove`, `mfa-reset --passkeys`); returns how many. Each
   * delete holds only while the passkey is still the user's. The index may miss one registered a
   * moment ago: the user-handle check already refuses it once the user is gone or reset.
   */
  async removePasskeys(username: string): Promise<number> {
    let removed = 0;
    for (const key of await this.passkeyKeys(username)) {
      const gone = await conditional(() =>
        this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: key,
            ConditionExpression: 'username = :u',
            ExpressionAttributeValues: { ':u': username },
          }),
        ),
      );
      if (gone) removed++;
    }
    return removed;
  }

  /** Gives the user's passkeys to their new name (`migrate-usernames`); returns how many moved. */
  async movePasskeys(from: string, to: string): Promise<number> {
    let moved = 0;
    for (const key of await this.passkeyKeys(from)) {
      const done = await conditional(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET username = :to, #owner = :o',
            ConditionExpression: 'username = :from',
            ExpressionAttributeNames: { '#owner': TABLE.indexPartitionKey },
            ExpressionAttributeValues: { ':to': to, ':from': from, ':o': passkeysIndexKey(to) },
          }),
        ),
      );
      if (done) moved++;
    }
    return moved;
  }

  async restorePasskey(passkey: StoredPasskey): Promise<void> {
    await this.putPasskey(passkey);
  }

  async setCredentialVersion(username: string, credentialVersion: string): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET credentialVersion = :v',
          ConditionExpression: ENABLED_USER,
          ExpressionAttributeValues: { ':v': credentialVersion, ':false': false },
        }),
      ),
    );
  }

  async putChallenge(challenge: WebAuthnChallenge): Promise<void> {
    await call(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: challengeItem(challenge),
        }),
      ),
    );
  }

  async consumeChallenge(challenge: string, now: number): Promise<WebAuthnChallenge | undefined> {
    try {
      const out = await call(() =>
        this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: challengeKey(challenge),
            ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
            ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      return toChallenge(out.Attributes, now);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async restoreChallenge(challenge: WebAuthnChallenge): Promise<void> {
    await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: challengeItem(challenge),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }
}
