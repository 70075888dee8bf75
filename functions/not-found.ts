import { accountSettings } from './core/config';
import { enabledRoutes, matchRoute } from './routes';
import { HttpError } from './http/errors';
import { httpHandler } from './http/handler';
import type { HttpEvent, HttpResult } from './http/types';

/** The routes this deployment has (sign-up off: its paths are unknown, 404 like any other). */
const deployed = enabledRoutes({ ...accountSettings(), passkeys: Boolean(process.env.WEBAUTHN_RP_ID) });

/** The catch-all route: 405 for a known path with another method, 404 for anything else. */
export async function notFound(event: HttpEvent): Promise<HttpResult> {
  const { pathKnown } = matchRoute(event.requestContext.http.method, event.rawPath, deployed);
  throw pathKnown ? new HttpError(405, 'Method Not Allowed') : new HttpError(404, 'Not Found');
}

export const handler = httpHandler(notFound);
