import { DeleteCommand, PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { Client } from '../core/clients';
import type { ClientStore } from '../core/client-registry';
import { READS, clientKey } from './schema';
import { type Item, TableItems, conditional, call, projection } from './table';

/** A client item as the registry reads it. */
export function toClient(item: Item | undefined): Client | undefined {
  if (!item) return undefined;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    id: String(item.clientId),
    type: item.type === 'confidential' ? 'confidential' : 'public',
    name: String(item.name),
    redirectUris: list(item.redirectUris),
    postLogoutRedirectUris: list(item.postLogoutRedirectUris),
    grantTypes: list(item.grantTypes),
    scopes: list(item.scopes),
    defaultScopes: list(item.defaultScopes),
    firstParty: item.firstParty === true,
    source: (item.source as Client['source']) ?? 'cli',
    ...(Array.isArray(item.secretHashes)
      ? {
          secretHashes: (item.secretHashes as Item[]).map((h) => ({
            hash: String(h.hash),
            createdAt: Number(h.createdAt),
            ...(h.validUntil === undefined ? {} : { validUntil: Number(h.validUntil) }),
          })),
        }
      : {}),
    createdAt: Number(item.createdAt ?? 0),
  };
}

/**
 * The client registry on the table (`CLIENT#<id>`, docs/authorization-server.md "Clients"): one read
 * per lookup, written by the deploy's custom resource, `npm run clients` and dynamic registration.
 */
export class DynamoClientStore extends TableItems implements ClientStore {
  async getClient(id: string): Promise<Client | undefined> {
    return toClient(await this.itemAt(clientKey(id), READS.client));
  }

  /** Writes the client; false when one with this id exists and `overwrite` was not asked for. */
  async putClient(client: Client, { overwrite }: { overwrite: boolean }): Promise<boolean> {
    const { id, ...rest } = client;
    return conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...clientKey(id), clientId: id, ...rest },
          ...(overwrite ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      ),
    );
  }

  /** Replaces the client's secrets, on the condition that they are still `expected` (rotate-secret). */
  async replaceSecrets(id: string, expected: Client['secretHashes'], next: NonNullable<Client['secretHashes']>) {
    const stored = await this.getClient(id);
    if (!stored || JSON.stringify(stored.secretHashes ?? []) !== JSON.stringify(expected ?? [])) return false;
    return this.putClient({ ...stored, secretHashes: next }, { overwrite: true });
  }

  async deleteClient(id: string): Promise<void> {
    await call(() => this.db.send(new DeleteCommand({ TableName: this.tableName, Key: clientKey(id) })));
  }

  /** Every client (the CLI's list: a scan, filtered to client items; never on a request path). */
  async listClients(): Promise<Client[]> {
    const clients: Client[] = [];
    const pages = paginateScan(
      { client: this.db },
      {
        TableName: this.tableName,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': 'CLIENT#' },
        ...projection(READS.client),
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) clients.push(toClient(item)!);
    return clients.sort((a, b) => a.id.localeCompare(b.id));
  }
}
