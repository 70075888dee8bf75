import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import type { HttpEvent, HttpResult } from '../functions/http/types';
import { protectedRoutes } from '../functions/protected-routes';
import { accountSettings } from '../functions/core/config';
import { InProcessMailQueue, useLocalMailSender } from '../functions/mail/jobs';
import { localKeySetSecrets } from '../functions/store/local-keys';
import { enabledRoutes, entryFile, fallbackHandler, matchRoute, otherFunctions, routes } from '../functions/routes';
import { localAuthorizers, matchProtected, type SessionAuthorizer } from './authorizers';
import { applyCors } from './cors';
import { hostAllowed } from './hosts';
import { serveDocs } from './docs';
import { MAX_REQUEST_BYTES, toContext, toEvent, writeResult } from './event';
import { outbox } from './outbox';
import { eventLog } from './event-log';
import { useLocalEventSink } from '../functions/http/events';

export type LambdaHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/**
 * Imports each route's handler module, unchanged, as Lambda would (config is read at import): the
 * route table's, the catch-all, the protected routes' (keyed by their name) and the session authorizer.
 */
export async function loadHandlers(): Promise<Record<string, LambdaHandler>> {
  const files: [string, string][] = [
    ...routes.map((r) => [r.name, `../${entryFile(r.handler)}`] as [string, string]),
    ...(['not-found', 'session-authorizer'] as const).map(
      (name) => [name, `../${entryFile(otherFunctions[name])}`] as [string, string],
    ),
    ...protectedRoutes.map((r) => [r.name, `../${r.entry}`] as [string, string]),
  ];
  const modules = await Promise.all(files.map(([, file]) => import(file) as Promise<{ handler: LambdaHandler }>));
  // The account routes' messages go to the outbox (deployed, the mail worker sends them through SES).
  useLocalMailSender(outbox);
  // Every audit event goes to the event log (deployed, to the stack's EventBridge bus).
  useLocalEventSink(eventLog);
  return Object.fromEntries(files.map(([name], i) => [name, modules[i].handler]));
}

const plain = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The dev server: each request becomes the payload 2.0 event API Gateway would build, goes to the
 * route's handler (or the same catch-all the stack deploys), and its result goes back as HTTP.
 */
export function createLocalServer(
  handlers: Record<string, LambdaHandler>,
  allowedOrigins: readonly string[] = [],
): Server {
  // Lazily: the handlers (and the environment the authorizers read) may be filled in after creation.
  let authorize: ReturnType<typeof localAuthorizers> | undefined;
  let served: readonly (typeof routes)[number][] | undefined;
  return createServer(async (req, res) => {
    // The routes a deployment with this environment has (sign-up only when ALLOW_SIGNUP is on).
    served ??= enabledRoutes({
      ...accountSettings(),
      passkeys: Boolean(process.env.WEBAUTHN_RP_ID),
      dcr: process.env.DYNAMIC_CLIENT_REGISTRATION === 'true',
    });
    try {
      if (!hostAllowed(req.headers.host, process.env.HOST)) return plain(res, 421, { detail: 'Misdirected Request' });
      if (applyCors(req, res, allowedOrigins) === 'preflight') return;
      const body = await readBody(req);
      if (body === undefined) return plain(res, 413, { detail: 'Request body too large' });
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      if (serveDocs(req, res, path)) return;
      if (path === '/' && req.method === 'GET') {
        return plain(res, 200, {
          service: 'auth-api (local)',
          docs: '/docs',
          openapi: '/openapi.json',
          routes: served.map((r) => ({ method: r.method, path: r.path, description: r.description })),
          protected_routes: protectedRoutes.map((r) => ({ method: r.method, path: r.path, authorizer: r.authorizer })),
        });
      }
      if (path === '/_dev/outbox' && req.method === 'GET') {
        // Every message handed off so far, sent: a script that reads the outbox right after a forgot finds its link.
        const { mailQueue } = await import('../functions/accounts/recovery-runtime');
        if (mailQueue instanceof InProcessMailQueue) await mailQueue.settled();
        return plain(res, 200, { messages: outbox.messages });
      }
      if (path === '/_dev/events' && req.method === 'GET') {
        // Every event published so far, as a rule's target would get it; the mail jobs' once they ran.
        const { mailQueue } = await import('../functions/accounts/recovery-runtime');
        if (mailQueue instanceof InProcessMailQueue) await mailQueue.settled();
        return plain(res, 200, { events: eventLog.events });
      }
      if (path === '/_dev/signing-keys/replace' && req.method === 'POST') {
        // The emergency lever, pulled against this server (npm run keys -- replace --dev-server <url>):
        // the same code as against a deployed stack's secrets, over the local key set. Not from a page.
        if (req.headers.origin) return plain(res, 403, { detail: 'Origin not allowed' });
        const { KeyRotation } = await import('../functions/core/key-rotation');
        const secrets = localKeySetSecrets(process.env.SIGNING_KEYS);
        return plain(res, 200, await new KeyRotation(secrets).replace(randomUUID()));
      }
      if (path === '/_dev/signing-keys/rotate' && req.method === 'POST') {
        // A scheduled rotation, now (npm run keys -- rotate --dev-server <url>): Secrets Manager's part
        // (a pending version) and the rotation function's four steps, the same code as deployed.
        if (req.headers.origin) return plain(res, 403, { detail: 'Origin not allowed' });
        const { KeyRotation, ROTATION_STEPS } = await import('../functions/core/key-rotation');
        const { parseKeySet } = await import('../functions/core/keys');
        const secrets = localKeySetSecrets(process.env.SIGNING_KEYS);
        const token = randomUUID();
        secrets.startRotation(token);
        const rotation = new KeyRotation(secrets);
        for (const step of ROTATION_STEPS) await rotation.step(step, token);
        const set = await parseKeySet(await secrets.readPrivate('AWSCURRENT'));
        return plain(res, 200, { keys: set?.keys.map((k) => ({ kid: k.kid, label: k.label })) ?? [] });
      }
      const own = matchProtected(protectedRoutes, req.method ?? 'GET', path);
      if (own) {
        const session = handlers['session-authorizer'] as unknown as SessionAuthorizer;
        authorize ??= localAuthorizers(process.env, session);
        const authorized = await authorize(
          own,
          toEvent(req, body, { routeKey: `${own.method} ${own.path}`, params: {} }),
        );
        if ('status' in authorized) return plain(res, authorized.status, authorized.body);
        return writeResult(res, await handlers[own.name](authorized, toContext(own.name)));
      }
      const { route, params } = matchRoute(req.method ?? 'GET', path, served);
      const name = route?.name ?? fallbackHandler;
      const event = toEvent(req, body, { routeKey: route ? `${route.method} ${route.path}` : '$default', params });
      writeResult(res, await handlers[name](event, toContext(name)));
    } catch {
      // The handlers map their own errors; reaching here is a dev-server bug. No details leave.
      if (!res.headersSent) plain(res, 500, { detail: 'Internal server error' });
      else res.destroy();
    }
  });
}
