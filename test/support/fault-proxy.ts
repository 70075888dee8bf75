import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy between the handlers and the store. While `cut`, it refuses connections and drops
 * open ones, so the store keeps its data and "nothing changed" can be checked afterwards. It also
 * counts the connections' requests, to prove a bad input never reached the table.
 */
export class FaultProxy {
  private server?: Server;
  private sockets = new Set<Socket>();
  private down = false;
  /** HTTP requests seen (one per DynamoDB call: the SDK sends one POST per operation). */
  requests = 0;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const { hostname, port } = new URL(this.target);
    this.server = createServer((client) => {
      if (this.down) return client.destroy();
      const upstream = connect(Number(port), hostname);
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        if (chunk.subarray(0, 5).toString() === 'POST ') this.requests++;
      });
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The store becomes unreachable: open connections drop, new ones are reset. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
