import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A dynalite of the test's own that can really be stopped and started again on the same port with
 * its data intact: an in-memory dynalite starts empty when it listens again, so this one keeps its
 * data in LevelDB files in a scratch folder.
 */
export async function stoppableDynalite(): Promise<{
  endpoint: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const { default: dynalite } = await import('dynalite');
  const path = mkdtempSync(join(tmpdir(), 'auth-dynalite-'));
  const server: Server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop,
    start: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: async () => {
      if (server.listening) await stop();
      rmSync(path, { recursive: true, force: true });
    },
  };
}
