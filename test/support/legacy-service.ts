import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Cognito's user-migration event as the login sends it (core/legacy-migration.ts). */
export interface MigrationEvent {
  userName: string;
  triggerSource: string;
  request: { password: string };
  response: { userAttributes?: Record<string, string> };
}

/**
 * A fake legacy system for lazy migration (docs/importing-users.md "Lazy migration") on 127.0.0.1:
 * `answer` gets each event the login sent and writes the reply. `url` is LEGACY_MIGRATION_URL.
 */
export async function legacyService(answer: (event: MigrationEvent, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => answer(JSON.parse(body), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/migrate`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The legacy system's yes: the event back, with these attributes. */
export function vouch(res: ServerResponse, event: MigrationEvent, attributes: Record<string, string>): void {
  event.response.userAttributes = attributes;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(event));
}
