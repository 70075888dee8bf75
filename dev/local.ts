import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { ConfigError } from '../functions/core/errors';
import { newKeySet, parseKeySet } from '../functions/core/keys';
import { portFrom } from './ports';

type Env = Record<string, string | undefined>;

export interface LocalApi {
  url: string;
  server: Server;
  endpoint: string;
  tableName: string;
  table: 'created' | 'existed';
  demoUsersAdded: string[];
  /** Stops the server (waiting for requests in flight), then the embedded store if there is one. */
  stop: () => Promise<void>;
}

/**
 * `npm start`: the whole API on a laptop. An embedded in-memory dynalite (or DYNAMODB_ENDPOINT),
 * the table, the demo users, and every route of functions/routes.ts served by the unchanged
 * handlers. Fills in the environment the handlers read at import, so it is called before they load.
 */
export async function startLocal(env: Env = process.env): Promise<LocalApi> {
  const host = env.HOST || '127.0.0.1';
  // Checked before anything starts, each failure naming its variable (docs/local-development.md).
  const port = portFrom(env, 'PORT', 8000);
  const storePort = portFrom(env, 'STORE_PORT', 8001);
  if (env.SIGNING_KEYS && !(await parseKeySet(env.SIGNING_KEYS))) {
    throw new ConfigError(
      'SIGNING_KEYS is not a key set (JSON with a previous, current and next RSA private key, as ' +
        '`npm run sam:env` writes one); unset it and npm start makes a fresh one',
    );
  }
  let stopStore = async () => {};
  if (!env.DYNAMODB_ENDPOINT) {
    const { startDynalite } = await import('./dynalite');
    const store = await startDynalite(storePort);
    env.DYNAMODB_ENDPOINT = store.endpoint;
    stopStore = store.stop;
  }
  env.TABLE_NAME ||= 'auth-local';
  // Fresh keys per start unless given: restarting logs everyone out, as it should locally.
  env.JWT_SECRET ||= randomBytes(32).toString('base64url');
  // The MFA key too: TOTP enrolments made in one run do not survive a restart (docs/mfa.md "The MFA key").
  env.MFA_KEY ||= randomBytes(32).toString('base64url');
  if (!env.SIGNING_KEYS) {
    env.SIGNING_KEYS = JSON.stringify(await newKeySet(Date.now()));
  }
  // Tokens name the server that issued them, so discovery and JWT verifiers find its keys.
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  env.TOKEN_ISSUER ||= url;
  // The dev server speaks plain HTTP on loopback, so the cookie cannot be Secure here (everywhere else it is).
  env.COOKIE_SECURE ||= 'false';
  // Passkeys on `localhost` (browsers refuse IP addresses as RP IDs): open the front end at http://localhost:<port>.
  env.WEBAUTHN_RP_ID ||= 'localhost';
  env.POWERTOOLS_SERVICE_NAME ||= 'auth-api-local';
  // Messages go to the outbox (GET /_dev/outbox); the links point at a front end on the usual port.
  env.EMAIL_FROM ||= 'no-reply@auth-api.localhost';
  env.PASSWORD_RESET_URL ||= 'http://localhost:3000/reset-password';
  env.EMAIL_VERIFY_URL ||= 'http://localhost:3000/verify-email';

  // Imported only now: the handlers read their configuration when they load.
  const { ensureTable } = await import('./table');
  const { seedDemoUsers } = await import('./demo-users');
  const { createDocumentClient, createDynamoClient } = await import('../functions/store/client');
  const { DynamoStore } = await import('../functions/store/dynamo-store');
  const { loadConfig } = await import('../functions/core/config');
  const { createLocalServer, loadHandlers } = await import('./server');

  const config = loadConfig(env);
  const client = createDynamoClient(env);
  const table = await ensureTable(client, config.tableName);
  const documents = createDocumentClient(env, client);
  const demoUsersAdded = await seedDemoUsers(new DynamoStore(documents, config.tableName), config.bcryptCost);
  const { seedDemoClients } = await import('./demo-clients');
  const { DynamoClientStore } = await import('../functions/store/client-store');
  await seedDemoClients(new DynamoClientStore(documents, config.tableName));
  const server = createLocalServer(await loadHandlers(), config.allowedOrigins);
  // Mail jobs run in their own thread, off the request path, as the deployed worker does (no queue configured).
  const { MailThread } = await import('./mail-thread');
  const { useLocalMailRunner } = await import('../functions/mail/jobs');
  const { outbox } = await import('./outbox');
  const { eventLog } = await import('./event-log');
  const mailThread = new MailThread(
    (message) => outbox.send(message),
    env,
    (events) => void eventLog.put(events, { functionName: 'mail-worker' }),
  );
  if (config.accounts.emailFrom && !config.accounts.mailQueueUrl) {
    useLocalMailRunner(mailThread.run);
    mailThread.warm();
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });

  return {
    url,
    server,
    endpoint: env.DYNAMODB_ENDPOINT,
    tableName: config.tableName,
    table,
    demoUsersAdded,
    stop: async () => {
      // Requests in flight finish first (their handlers still need the store); stragglers are cut after 2 s.
      const cut = setTimeout(() => server.closeAllConnections(), 2000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearTimeout(cut);
      useLocalMailRunner(undefined);
      await mailThread.stop();
      client.destroy();
      await stopStore();
    },
  };
}
