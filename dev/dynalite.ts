import type { AddressInfo } from 'node:net';

/** Starts an in-memory dynalite on 127.0.0.1; resolves to its endpoint and a stop function. */
export async function startDynalite(port = 0): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
