import type { IncomingMessage, ServerResponse } from 'node:http';

/** Response headers a front end's script may read beyond the safelisted ones (the stack exposes the same). */
export const EXPOSED_HEADERS = ['retry-after'] as const;

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
  // Without this a front end's script reads `null` for Retry-After on a 429 (only the CORS-safelisted
  // response headers are visible to it otherwise).
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(','));
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    res.setHeader('Access-Control-Allow-Methods', 'GET,POST,PATCH,DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'authorization,content-type');
    res.setHeader('Access-Control-Max-Age', '3600');
    res.writeHead(204).end();
    return 'preflight';
  }
  return 'continue';
}
