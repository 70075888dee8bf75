import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import swaggerUi from 'swagger-ui-dist';
import { openApiDocument } from './openapi';

// GET /openapi.json and GET /docs on the dev server, as FastAPI users expect: Swagger UI from the
// swagger-ui-dist package (no CDN), started by an initializer of our own (the package's default
// one loads a remote petstore document). Scripts are files, not inline, so a strict CSP holds.

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Serverless auth API: docs</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;
const ASSETS: Record<string, string> = {
  '/docs/swagger-ui.css': 'text/css; charset=utf-8',
  '/docs/swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** The package's files, read once (the bundle is 1.5 MB). */
const read = new Map<string, Buffer>();
const asset = (path: string): Buffer => {
  let file = read.get(path);
  if (!file) {
    file = readFileSync(join(swaggerUi.getAbsoluteFSPath(), path.slice('/docs/'.length)));
    read.set(path, file);
  }
  return file;
};

const send = (res: ServerResponse, type: string, body: string | Buffer) => {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  });
  res.end(body);
};

/** Answers the documentation paths; false for any other request. */
export function serveDocs(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (req.method !== 'GET') return false;
  if (path === '/openapi.json') {
    // The server is whatever address the client used to reach this one.
    const doc = openApiDocument(`http://${req.headers.host ?? '127.0.0.1'}`);
    send(res, 'application/json', JSON.stringify(doc, null, 2));
  } else if (path === '/docs' || path === '/docs/') send(res, 'text/html; charset=utf-8', PAGE);
  else if (path === '/docs/init.js') send(res, 'text/javascript; charset=utf-8', INIT);
  else if (ASSETS[path]) send(res, ASSETS[path], asset(path));
  else return false;
  return true;
}
