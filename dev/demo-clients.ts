import { type Client, secretHash } from '../functions/core/clients';
import type { DynamoClientStore } from '../functions/store/client-store';

/**
 * The demo clients of docs/authorization-server.md; they exist only in the local dev server, beside
 * the demo users. `demo-service`'s secret is printed in the docs: never declare it anywhere else.
 */
export const DEMO_SERVICE_SECRET = 'demo-service-secret';

export const DEMO_CLIENTS: Client[] = [
  {
    id: 'demo-app',
    type: 'public',
    name: 'Demo app',
    redirectUris: ['http://localhost:3000/callback', 'http://127.0.0.1/callback'],
    postLogoutRedirectUris: ['http://localhost:3000/', 'http://127.0.0.1/'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    defaultScopes: ['openid'],
    firstParty: true,
    source: 'cli',
    createdAt: 0,
  },
  {
    id: 'demo-service',
    type: 'confidential',
    name: 'Demo service',
    redirectUris: [],
    postLogoutRedirectUris: [],
    grantTypes: ['client_credentials'],
    scopes: [],
    defaultScopes: [],
    firstParty: true,
    source: 'cli',
    secretHashes: [{ hash: secretHash(DEMO_SERVICE_SECRET), createdAt: 0 }],
    createdAt: 0,
  },
];

/** Adds the demo clients that are absent; never overwrites one. */
export async function seedDemoClients(store: Pick<DynamoClientStore, 'putClient'>): Promise<string[]> {
  const added: string[] = [];
  for (const client of DEMO_CLIENTS) {
    if (await store.putClient({ ...client, createdAt: Date.now() }, { overwrite: false })) added.push(client.id);
  }
  return added;
}
