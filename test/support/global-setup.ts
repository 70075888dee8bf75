import { startStoreServer } from './store-server';

/** Starts one store server for the whole integration run; tests get its endpoint from the environment. */
export default async function globalSetup(): Promise<void> {
  const kind = process.env.STORE || 'dynalite';
  const server = await startStoreServer(kind);
  process.env.TEST_STORE_ENDPOINT = server.endpoint;
  console.log(
    `\nintegration store: ${kind === 'dynamodb-local' ? 'DynamoDB Local' : 'dynalite'} at ${server.endpoint}`,
  );
  (globalThis as { __storeServer?: typeof server }).__storeServer = server;
}
