import type { Client } from '../../functions/core/clients';
import { syncClients } from '../../functions/oauth2/clients-sync';
import type { CustomResourceEvent } from '../../functions/http/cfn-response';

// The stack clients' custom resource on an in-memory registry: what a deploy adds, keeps, and removes.

class MemoryClients {
  readonly items = new Map<string, Client>();
  async getClient(id: string) {
    return this.items.get(id);
  }
  async putClient(client: Client) {
    this.items.set(client.id, client);
    return true;
  }
  async deleteClient(id: string) {
    this.items.delete(id);
  }
}

const declared = (id: string, type: 'public' | 'confidential' = 'public') => ({
  id,
  type,
  name: id,
  redirectUris: [],
  grantTypes: type === 'confidential' ? ['client_credentials'] : ['password'],
  scopes: [],
  defaultScopes: [],
  firstParty: true,
});
const event = (
  RequestType: CustomResourceEvent['RequestType'],
  now: ReturnType<typeof declared>[],
  before?: ReturnType<typeof declared>[],
): CustomResourceEvent => ({
  RequestType,
  ResponseURL: 'http://127.0.0.1/unused',
  StackId: 's',
  RequestId: 'r',
  LogicalResourceId: 'StackClients',
  ResourceProperties: { Clients: JSON.stringify(now) },
  ...(before ? { OldResourceProperties: { Clients: JSON.stringify(before) } } : {}),
});

test('create writes stack clients; update keeps a rotated secret, removes what is no longer declared', async () => {
  const store = new MemoryClients();
  await syncClients(event('Create', [declared('a'), declared('svc', 'confidential')]), store, 1000);
  expect(store.items.get('a')).toMatchObject({ source: 'stack', createdAt: 1000, postLogoutRedirectUris: [] });
  // rotate-secret gave the stack's confidential client a secret between deploys.
  store.items.set('svc', { ...store.items.get('svc')!, secretHashes: [{ hash: 'h', createdAt: 2000 }] });
  await syncClients(
    event('Update', [declared('svc', 'confidential')], [declared('a'), declared('svc', 'confidential')]),
    store,
    3000,
  );
  expect(store.items.has('a')).toBe(false);
  expect(store.items.get('svc')).toMatchObject({ secretHashes: [{ hash: 'h', createdAt: 2000 }], createdAt: 1000 });
});

test('a client made by the CLI is never overwritten or deleted by a deploy', async () => {
  const store = new MemoryClients();
  const mine = { ...declared('mine'), postLogoutRedirectUris: [], source: 'cli' as const, createdAt: 5 };
  store.items.set('mine', mine);
  await expect(syncClients(event('Create', [declared('mine')]), store)).rejects.toThrow(
    /not made by this stack \(cli\)/,
  );
  await syncClients(event('Delete', [declared('mine')]), store);
  expect(store.items.get('mine')).toEqual(mine);
});

test('delete removes every stack client the resource declared', async () => {
  const store = new MemoryClients();
  await syncClients(event('Create', [declared('a'), declared('b')]), store);
  await syncClients(event('Delete', [declared('a'), declared('b')]), store);
  expect(store.items.size).toBe(0);
});
