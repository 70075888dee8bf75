import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OneTimeTokenKind } from '../core/one-time-tokens';
import type { AccountStore, CounterSubject, IpPlaceRequest, OneTimeTokenRecord, UserRecord } from '../core/ports';
import { DynamoStore } from './dynamo-store';
import { type Item, call, conditional, fromSeconds, toSeconds } from './table';
import { READS, counterKey, oneTimeTokenKey, userKey } from './schema';

const ENABLED = '(attribute_not_exists(disabled) OR disabled = :false)';

function toOneTimeToken(item: Item | undefined): OneTimeTokenRecord | undefined {
  if (!item) return undefined;
  return {
    hash: String(item.hash),
    kind: item.kind as OneTimeTokenKind,
    username: String(item.username),
    expiresAt: fromSeconds(item.expiresAt),
    credentialVersion: item.credentialVersion as string | undefined,
    email: item.email as string | undefined,
  };
}

/** The account flows' writes on the same table (docs/architecture.md "Data model"). */
export class DynamoAccountStore extends DynamoStore implements AccountStore {
  async createUser(user: UserRecord): Promise<boolean> {
    return this.putUser(user, { overwrite: false });
  }

  async takeCountPlace(subject: CounterSubject, request: IpPlaceRequest) {
    return this.takePlaceIn(counterKey(subject), request);
  }

  /** Writes a token item, never over another (256 random bits never collide; if they did, refuse). */
  private putTokenItem(token: OneTimeTokenRecord) {
    const { expiresAt, ...rest } = token;
    return this.db.send(
      new PutCommand({
        TableName: this.tableName,
        // TTL in seconds (DynamoDB deletes lazily: every read checks expiresAt itself).
        Item: { ...oneTimeTokenKey(token.hash), ...rest, expiresAt: toSeconds(expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async putOneTimeToken(token: OneTimeTokenRecord): Promise<void> {
    await call(() => this.putTokenItem(token));
  }

  async getOneTimeToken(hash: string): Promise<OneTimeTokenRecord | undefined> {
    return toOneTimeToken(await this.itemAt(oneTimeTokenKey(hash), READS.oneTimeToken));
  }

  async consumeOneTimeToken(hash: string, now: number): Promise<boolean> {
    // One conditional delete: of two requests racing with the same token, exactly one deletes it.
    return conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: oneTimeTokenKey(hash),
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
        }),
      ),
    );
  }

  async restoreOneTimeToken(token: OneTimeTokenRecord): Promise<void> {
    // Nothing took its place meanwhile, or the put back is moot.
    await conditional(() => this.putTokenItem(token));
  }

  async resetCredentials(
    username: string,
    {
      passwordHash,
      credentialVersion,
      expectedVersion,
    }: { passwordHash: string; credentialVersion: string; expectedVersion?: string },
  ): Promise<boolean> {
    const version =
      expectedVersion === undefined ? 'attribute_not_exists(credentialVersion)' : 'credentialVersion = :expected';
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET passwordHash = :h, credentialVersion = :v',
          // Enabled, and still the credentials the link was sent for: a password changed or reset since
          // (or a disable) makes the link useless.
          ConditionExpression: `attribute_exists(pk) AND ${ENABLED} AND ${version}`,
          ExpressionAttributeValues: {
            ':h': passwordHash,
            ':v': credentialVersion,
            ':false': false,
            ...(expectedVersion === undefined ? {} : { ':expected': expectedVersion }),
          },
        }),
      ),
    );
  }

  async markEmailVerified(username: string, email: string): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET emailVerified = :true',
          ConditionExpression: 'attribute_exists(pk) AND email = :email',
          ExpressionAttributeValues: { ':true': true, ':email': email },
        }),
      ),
    );
  }
}
