import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { hashPassword } from '../../functions/core/passwords';
import type { UserRecord } from '../../functions/core/ports';
import { createDocumentClient, createDynamoClient } from '../../functions/store/client';
import { DynamoStore } from '../../functions/store/dynamo-store';
import { TABLE, sessionKey, userKey } from '../../functions/store/schema';
import { seedDemoUsers } from '../../dev/demo-users';
import { seedDemoClients } from '../../dev/demo-clients';
import { DynamoClientStore } from '../../functions/store/client-store';
import { type LambdaHandler, createLocalServer, loadHandlers } from '../../dev/server';
import { ensureTable } from '../../dev/table';
import { FaultProxy } from './fault-proxy';
import { testKeySet } from './keys';

export const TEST_SECRET = 'test-signing-key-0123456789abcdef-0123456789';
export const TEST_MFA_KEY = 'test-mfa-key-0123456789abcdef-0123456789abcdef';

/**
 * The dev server, in this jest process, on its own fresh table in the run's store server, with
 * the handlers' store traffic going through a FaultProxy. `db` talks to the store directly (not
 * through the proxy) so tests can inspect and arrange the table even while the proxy is cut.
 */
export interface TestApp {
  url: string;
  tableName: string;
  proxy: FaultProxy;
  db: DynamoDBDocumentClient;
  store: DynamoStore;
  /** The client registry's items, written directly. */
  clients: DynamoClientStore;
  /** Adds (or overwrites) a user with this password, hashed at cost 4 for speed. */
  addUser(username: string, password: string, extra?: Partial<UserRecord>): Promise<void>;
  /** Adds a user with a name never used before in this app, so a test starts from a clean slate. */
  freshUser(password: string): Promise<string>;
  session(sid: string): Promise<Record<string, unknown> | undefined>;
  sessionsOf(username: string): Promise<Record<string, unknown>[]>;
  updateSession(sid: string, values: Record<string, unknown>): Promise<void>;
  updateUser(username: string, values: Record<string, unknown>): Promise<void>;
  deleteUser(username: string): Promise<void>;
  close(): Promise<void>;
}

export async function startApp(
  env: Record<string, string> = {},
  options: { storeEndpoint?: string } = {},
): Promise<TestApp> {
  const storeEndpoint = options.storeEndpoint ?? process.env.TEST_STORE_ENDPOINT;
  if (!storeEndpoint)
    throw new Error('TEST_STORE_ENDPOINT is not set: run through jest (global setup starts the store)');
  const tableName = `auth-test-${randomBytes(6).toString('hex')}`;
  const proxy = new FaultProxy(storeEndpoint);
  const proxied = await proxy.start();

  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: proxied,
    JWT_SECRET: TEST_SECRET,
    MFA_KEY: TEST_MFA_KEY,
    SIGNING_KEYS: JSON.stringify(await testKeySet()),
    COOKIE_SECURE: 'false',
    BCRYPT_COST: '4',
    DYNAMODB_MAX_ATTEMPTS: '2',
    DYNAMODB_CONNECT_TIMEOUT_MS: '300',
    DYNAMODB_REQUEST_TIMEOUT_MS: '1000',
    EMAIL_FROM: 'no-reply@auth-api.localhost',
    PASSWORD_RESET_URL: 'http://localhost:3000/reset-password',
    EMAIL_VERIFY_URL: 'http://localhost:3000/verify-email',
    WEBAUTHN_RP_ID: 'localhost', // as the dev server's
    ...env,
  });

  // Straight to the store, not through the proxy; generous timeouts: it arranges and inspects, it is not tested.
  const direct = {
    DYNAMODB_ENDPOINT: storeEndpoint,
    DYNAMODB_CONNECT_TIMEOUT_MS: '5000',
    DYNAMODB_REQUEST_TIMEOUT_MS: '30000',
  };
  const raw = createDynamoClient(direct);
  const db = createDocumentClient(direct, raw);
  await ensureTable(raw, tableName);
  const store = new DynamoStore(db, tableName);
  await seedDemoUsers(store, 4);
  const clients = new DynamoClientStore(db, tableName);
  await seedDemoClients(clients);

  // Listening first, so that the issuer can be the server's URL (as `npm start` makes it) before the
  // handlers read their configuration. Handlers load once per test file: the first app's issuer stays.
  const handlers: Record<string, LambdaHandler> = {};
  const server: Server = createLocalServer(handlers, (process.env.ALLOWED_ORIGINS ?? '').split(',').filter(Boolean));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.TOKEN_ISSUER = env.TOKEN_ISSUER ?? process.env.TOKEN_ISSUER ?? url;
  Object.assign(handlers, await loadHandlers());
  let userCount = 0;

  return {
    url,
    tableName,
    proxy,
    db,
    store,
    clients,
    addUser: async (username, password, extra = {}) => {
      await store.putUser(
        { username, passwordHash: await hashPassword(password, 4), disabled: false, createdAt: Date.now(), ...extra },
        { overwrite: true },
      );
    },
    freshUser: async (password) => {
      const username = `user-${++userCount}`;
      await store.putUser(
        { username, passwordHash: await hashPassword(password, 4), disabled: false, createdAt: Date.now() },
        { overwrite: true },
      );
      return username;
    },
    session: async (sid) =>
      (await db.send(new GetCommand({ TableName: tableName, Key: sessionKey(sid), ConsistentRead: true }))).Item,
    sessionsOf: async (username) =>
      (
        await db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: TABLE.userSessionsIndex,
            KeyConditionExpression: 'gsi1pk = :u',
            ExpressionAttributeValues: { ':u': `USER#${username}` },
          }),
        )
      ).Items ?? [],
    updateSession: (sid, values) => update(db, tableName, sessionKey(sid), values),
    updateUser: (username, values) => update(db, tableName, userKey(username), values),
    deleteUser: async (username) => {
      await db.send(new DeleteCommand({ TableName: tableName, Key: userKey(username) }));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await proxy.stop();
      raw.destroy();
    },
  };
}

async function update(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: Record<string, string>,
  values: Record<string, unknown>,
) {
  const names = Object.keys(values);
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#n${i}`, n])),
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, values[n]])),
      ConditionExpression: 'attribute_exists(pk)',
    }),
  );
}
