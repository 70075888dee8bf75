import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { secretHash } from '../functions/core/clients';
import { DynamoClientStore } from '../functions/store/client-store';
import { BENCH_APP, BENCH_SERVICE, BENCH_THIRD } from './settings';

/**
 * The bench's clients (bench/settings.ts): a first-party public app, a third-party one (its logins ask
 * for consent), and a service with a known secret.
 */
export async function seedClients(doc: DynamoDBDocumentClient, tableName: string): Promise<void> {
  const clients = new DynamoClientStore(doc, tableName);
  const base = { postLogoutRedirectUris: [] as string[], source: 'cli' as const, createdAt: 0 };
  await clients.putClient(
    {
      ...base,
      id: BENCH_APP.id,
      type: 'public',
      name: 'Bench app',
      redirectUris: [BENCH_APP.redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty: true,
      scopes: ['openid'],
      defaultScopes: [],
    },
    { overwrite: true },
  );
  await clients.putClient(
    {
      ...base,
      id: BENCH_THIRD.id,
      type: 'public',
      name: 'Bench third-party app',
      redirectUris: [BENCH_THIRD.redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty: false,
      scopes: ['openid'],
      defaultScopes: [],
    },
    { overwrite: true },
  );
  await clients.putClient(
    {
      ...base,
      id: BENCH_SERVICE.id,
      type: 'confidential',
      name: 'Bench service',
      redirectUris: [],
      grantTypes: ['client_credentials'],
      firstParty: true,
      scopes: [],
      defaultScopes: [],
      secretHashes: [{ hash: secretHash(BENCH_SERVICE.secret), createdAt: 0 }],
    },
    { overwrite: true },
  );
}
