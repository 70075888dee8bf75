import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { UserRecord } from '../core/ports';
import { READS, nameKey, userKey } from './schema';
import { SessionItems } from './session-items';
import { type Item, call, conditional, num, projection } from './table';

/** A user item as the domain reads it (never more than the record: no key attributes). */
export function toUser(item: Item | undefined): UserRecord | undefined {
  if (!item) return undefined;
  return {
    username: String(item.username),
    // Absent when the read did not ask for it (only a login and a password change do): matches nothing.
    passwordHash: typeof item.passwordHash === 'string' ? item.passwordHash : '',
    email: item.email as string | undefined,
    fullName: item.fullName as string | undefined,
    disabled: item.disabled === true,
    createdAt: Number(item.createdAt),
    sessionsValidAfter: num(item.sessionsValidAfter),
    credentialVersion: item.credentialVersion as string | undefined,
    ...(item.emailVerified === undefined ? {} : { emailVerified: item.emailVerified === true }),
    ...(item.totpEnabledAt === undefined ? {} : { totpEnabledAt: Number(item.totpEnabledAt) }),
    ...(typeof item.userHandle === 'string' ? { userHandle: item.userHandle } : {}),
  };
}

/**
 * The user items (`USER#<username>`, `PROFILE`): the hash, the credential version, and
 * `sessionsValidAfter`, the one write that ends every session of a user at once.
 */
export class UserItems extends SessionItems {
  async getUser(username: string): Promise<UserRecord | undefined> {
    const out = await call(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: userKey(username),
          ConsistentRead: true,
          ...projection(READS.userProfile),
        }),
      ),
    );
    return toUser(out.Item);
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
          // Never for a disabled user: a disable that won the race keeps every session ended.
          ConditionExpression: 'passwordHash = :checked AND (attribute_not_exists(disabled) OR disabled = :false)',
          ExpressionAttributeValues: {
            ':h': passwordHash,
            ':v': credentialVersion,
            ':checked': checked,
            ':false': false,
          },
        }),
      ),
    );
  }

  async putUser(user: UserRecord, { overwrite }: { overwrite: boolean }): Promise<boolean> {
    // The lever's generation is read with a user, never stored on it.
    const { globalGeneration: _lever, ...stored } = user;
    return conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...userKey(user.username), ...stored },
          ConditionExpression: overwrite ? undefined : 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async setDisabled(
    username: string,
    { disabled, credentialVersion }: { disabled: boolean; credentialVersion?: string },
  ): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression:
            credentialVersion === undefined ? 'SET disabled = :d' : 'SET disabled = :d, credentialVersion = :v',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':d': disabled,
            ...(credentialVersion === undefined ? {} : { ':v': credentialVersion }),
          },
        }),
      ),
    );
  }

  async setPassword(
    username: string,
    { passwordHash, credentialVersion }: { passwordHash: string; credentialVersion: string },
  ): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userKey(username),
          UpdateExpression: 'SET passwordHash = :h, credentialVersion = :v',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':h': passwordHash, ':v': credentialVersion },
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

  /** The look-alike claim (`NAME#`): written unless another username holds it; writing one's own again is a no-op. */
  async claimName(skeleton: string, username: string): Promise<boolean> {
    return conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...nameKey(skeleton), username },
          ConditionExpression: 'attribute_not_exists(pk) OR username = :u',
          ExpressionAttributeValues: { ':u': username },
        }),
      ),
    );
  }

  async nameHolder(skeleton: string): Promise<string | undefined> {
    const out = await call(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: nameKey(skeleton),
          ConsistentRead: true,
          ...projection(READS.name),
        }),
      ),
    );
    return out.Item?.username as string | undefined;
  }

  async releaseName(skeleton: string, username: string): Promise<void> {
    await conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: nameKey(skeleton),
          ConditionExpression: 'username = :u',
          ExpressionAttributeValues: { ':u': username },
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
}

/**
 * The user with the lever's item folded in: its generation, and its instant from before generations
 * (the later of that and the user's own `sessionsValidAfter`), so that every check of a session's
 * liveness honours the lever with no rule of its own.
 */
export function withLever<U extends UserRecord>(user: U | undefined, everyone: Item | undefined): U | undefined {
  if (!user || !everyone) return user;
  const instant = num(everyone.sessionsValidAfter);
  return {
    ...user,
    globalGeneration: num(everyone.generation),
    ...(instant !== undefined && instant > (user.sessionsValidAfter ?? -1) ? { sessionsValidAfter: instant } : {}),
  };
}
