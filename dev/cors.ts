import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS as the stack configures it on the HTTP API: only origins in ALLOWED_ORIGINS, always with
 * credentials; API Gateway answers their preflight itself, so the dev server does too.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowedOrigins: readonly string[],
): 'preflight' | 'continue' {
  const origin = req.headers.origin;
  if (!origin || !allowedOrigins.some((o) => o.toLowerCase() === origin.toLowerCase())) return 'continue';
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    res.setHeader('Access-Control-Allow-Methods', 'GET,POST,DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'authorization,content-type');
    res.setHeader('Access-Control-Max-Age', '3600');
    res.writeHead(204).end();
    return 'preflight';
  }
  return 'continue';
}
