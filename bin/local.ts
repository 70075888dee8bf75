/**
 * `npm start`: the whole API on a laptop. An embedded in-memory dynalite (or DYNAMODB_ENDPOINT),
 * the table, the demo users, and every route of lib/routes.ts served by the unchanged handlers.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const started = performance.now();
const env = process.env;
const host = env.HOST || '127.0.0.1';
const port = Number(env.PORT || 8000);

async function main() {
  let stopStore = async () => {};
  if (!env.DYNAMODB_ENDPOINT) {
    const { startDynalite } = await import('../lib/local/store');
    const store = await startDynalite(Number(env.STORE_PORT || 8001));
    env.DYNAMODB_ENDPOINT = store.endpoint;
    stopStore = store.stop;
  }
  env.TABLE_NAME ||= 'auth-local';
  // A fresh random key per start unless one is given: restarting logs everyone out, as it should locally.
  env.JWT_SECRET ||= randomBytes(32).toString('base64url');
  // The dev server speaks plain HTTP on loopback, so the cookie cannot be Secure here (everywhere else it is).
  env.COOKIE_SECURE ||= 'false';
  env.POWERTOOLS_SERVICE_NAME ||= 'auth-api-local';

  const { ensureTable } = await import('../lib/local/store');
  const { seedDemoUsers, DEMO_USERS } = await import('../lib/local/demo-users');
  const { createDocumentClient } = await import('../functions/store/client');
  const { DynamoStore } = await import('../functions/store/dynamo-store');
  const { loadConfig } = await import('../functions/core/config');
  const { createLocalServer, loadHandlers } = await import('../lib/local/server');

  const config = loadConfig();
  const table = await ensureTable(new DynamoDBClient({ endpoint: env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), config.tableName);
  const added = await seedDemoUsers(new DynamoStore(createDocumentClient(), config.tableName), config.bcryptCost);
  const server = createLocalServer(await loadHandlers(), config.allowedOrigins);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  console.log(`auth-api listening on ${url}  (ready in ${Math.round(performance.now() - started)} ms)`);
  console.log(`store: ${env.DYNAMODB_ENDPOINT}, table ${config.tableName} (${table}); demo users ${added.length ? `added: ${added.join(', ')}` : 'already present'}`);
  for (const u of DEMO_USERS) console.log(`  ${u.username} / ${u.password}${u.disabled ? '  (disabled)' : ''}`);
  console.log(`try: curl -s -i -X POST ${url}/auth/token -d "username=johndoe&password=secret"`);
  console.log('Ctrl-C stops.');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stopStore();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(`auth-api failed to start: ${err.message}`);
  process.exit(1);
});
