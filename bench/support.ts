/** Helpers shared by the benchmark (bench.ts) and the load run (load.ts). */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, createServer as createHttpServer, request as forward } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { hashPassword } from '../functions/core/passwords';
import { createDocumentClient, createDynamoClient } from '../functions/store/client';
import { DynamoStore } from '../functions/store/dynamo-store';
import { ensureTable } from '../dev/table';

/** A TCP port nobody listens on right now. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Polls `url` until anything answers (10 s at most). */
export async function waitFor(url: string): Promise<Response> {
  for (let i = 0; i < 200; i++) {
    try {
      return await fetch(url);
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} did not come up`);
}

/** Resolves when the child has exited (at once if it already has). */
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

/** Never leave a child running, even when the run fails half-way. */
function killOnExit(child: ChildProcess): void {
  process.on('exit', () => child.kill());
}

export interface LocalStore {
  endpoint: string;
  tableName: string;
  store: DynamoStore;
  doc: ReturnType<typeof createDocumentClient>;
  stop: () => Promise<void>;
}

/**
 * dynalite in its own process (so it does not share a thread with what is measured), with the
 * table created as the stack defines it, and clients built the way every local tool builds them.
 */
export async function startStore(tableName: string): Promise<LocalStore> {
  const port = await freePort();
  const args = ['node_modules/dynalite/cli.js', '--port', String(port), '--host', '127.0.0.1', '--createTableMs', '0'];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  killOnExit(child);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(endpoint);
  const client = createDynamoClient({ DYNAMODB_ENDPOINT: endpoint, DYNAMODB_REQUEST_TIMEOUT_MS: '30000' });
  await ensureTable(client, tableName);
  const doc = createDocumentClient({}, client);
  return {
    endpoint,
    tableName,
    store: new DynamoStore(doc, tableName),
    doc,
    stop: async () => {
      client.destroy();
      child.kill();
      await exited(child);
    },
  };
}

/**
 * Adds users sharing one password, hashed once at the deployed cost (10), so logins cost what they cost in production.
 */
export async function addUsers(store: DynamoStore, usernames: string[], password: string): Promise<void> {
  const passwordHash = await hashPassword(password, 10);
  for (const username of usernames) {
    await store.putUser({ username, passwordHash, disabled: false, createdAt: Date.now() }, { overwrite: true });
  }
}

/**
 * `npm start`'s server (bin/local.ts) in its own process on a free port, against `endpoint`.
 * `stop()` ends it and waits until it has exited, so no request of its is in flight when the
 * caller then stops the store.
 */
export async function startDevServer(
  endpoint: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'bin/local.ts'], {
    env: { ...process.env, PORT: String(port), DYNAMODB_ENDPOINT: endpoint, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  killOnExit(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`);
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGINT');
      await exited(child);
    },
  };
}

/** bench/fake-sqs.mjs in its own process: SQS's SendMessage on loopback, for the account routes' hand-off. */
export async function startFakeSqs(): Promise<{ endpoint: string; queueUrl: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['bench/fake-sqs.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
  killOnExit(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())));
    child.once('exit', (code) => reject(new Error(`fake SQS exited ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    queueUrl: `${endpoint}/000000000000/bench-mail`,
    stop: async () => {
      child.kill();
      await exited(child);
    },
  };
}

/**
 * `--ddb-latency MS`: a loopback proxy in front of the store that holds every request MS milliseconds
 * before forwarding it (a round trip inside an AWS region is a few), so a route's warm p50 shows what
 * its sequential round trips cost. Requests sent together wait together, as they would on AWS.
 */
export async function startLatencyProxy(target: string, ms: number): Promise<{ endpoint: string; stop: () => void }> {
  const agent = new Agent({ keepAlive: true });
  const to = new URL(target);
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      setTimeout(() => {
        const out = forward(
          { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on('error', () => res.destroy());
        out.end(Buffer.concat(chunks));
      }, ms),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => {
      server.close();
      agent.destroy();
    },
  };
}
