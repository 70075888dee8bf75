import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../core/errors';

/**
 * What every item kind's store code shares: the one table, its client, the two reads, and how an SDK
 * failure and a refused condition are told apart (docs/architecture.md "Data model").
 */
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

/**
 * A read's projection: only these attributes come back. Every read names them: the grants allow each
 * function only the attributes it needs (`dynamodb:Attributes`, with `dynamodb:Select` held to
 * SPECIFIC_ATTRIBUTES), so a read of every attribute would be refused. Placeholders, since some
 * names (`hash`, `kind`) are reserved words.
 */
export function projection(attributes: readonly string[]): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  const names = Object.fromEntries(attributes.map((a, i) => [`#p${i}`, a]));
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
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

export const num = (v: unknown) => (v === undefined ? undefined : Number(v));

// The domain's instants are epoch ms; TTL attributes (and absoluteExpiresAt beside them) are epoch
// seconds in the table, rounded up so that an item never expires before the domain said.
export const toSeconds = (ms: number) => Math.ceil(ms / 1000);
export const fromSeconds = (seconds: unknown) => Number(seconds) * 1000;

export const sameKey = (item: Item, key: Key) => item.pk === key.pk && item.sk === key.sk;

/**
 * The table and its client, and the reads every item kind uses. The store is one class built in
 * layers, one file per item kind (throttle-items.ts, session-items.ts, user-items.ts, then
 * dynamo-store.ts for the reads that span kinds): each layer adds its kind's reads and writes.
 */
export class TableItems {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  /** BatchGetItem of these attributes, strongly consistent, asking again for any keys DynamoDB left unprocessed. */
  protected async batchGet(keys: Key[], attributes: readonly string[]): Promise<Item[]> {
    let items: Item[] = [];
    let pending: Item[] | undefined = keys;
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt === 3) throw new ServiceUnavailableError('store');
      const request: Item[] = pending;
      const out = await call(() =>
        this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: request, ConsistentRead: true, ...projection(attributes) } },
          }),
        ),
      );
      items = items.concat(out.Responses?.[this.tableName] ?? []);
      pending = out.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    return items;
  }

  /** These attributes of one item, strongly consistent. */
  protected async itemAt(Key: Key, attributes: readonly string[]): Promise<Item | undefined> {
    const out = await call(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true, ...projection(attributes) })),
    );
    return out.Item;
  }
}
