import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

/**
 * `npm run example`: the sign-in example (examples/sign-in/index.html) at http://localhost:3000, the
 * same page at `/` and at `/callback` (demo-app's redirect URI). PORT and HOST change where; the API's
 * URL is the page's `?api=` (docs/sign-in-from-your-app.md).
 */
export function exampleApp(): Server {
  // npm scripts run from the project root (as dev/mail-thread.ts assumes too).
  const page = readFileSync(join(process.cwd(), 'examples', 'sign-in', 'index.html'));
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/' && path !== '/callback') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
}
