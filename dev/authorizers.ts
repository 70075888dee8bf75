import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { audienceFrom, issuerFrom } from '../functions/core/config';
import { TokenError, TokenService } from '../functions/core/tokens';
import { bearerFrom } from '../functions/http/request';
import type { HttpEvent } from '../functions/http/types';
import type { ProtectedRoute } from '../functions/routes';
import type { SimpleAuthorizerResult } from '../functions/authorizers/session';
import { tokenKeys } from '../functions/store/keys';

export type SessionAuthorizer = (event: APIGatewayRequestAuthorizerEventV2) => Promise<SimpleAuthorizerResult>;

/** What API Gateway answers a request its authorizer refused (a body this API cannot shape). */
export interface Refusal {
  status: number;
  body: { message: string };
}

const unauthorized: Refusal = { status: 401, body: { message: 'Unauthorized' } };
const forbidden: Refusal = { status: 403, body: { message: 'Forbidden' } };

/**
 * The two authorizers as API Gateway runs them, for the dev server. `jwt` checks what API
 * Gateway's JWT authorizer checks (signature against the published keys, issuer, audience,
 * expiry) and nothing else: a logged-out session's token still passes. `session` invokes the same
 * session-authorizer handler the stack deploys.
 */
export function localAuthorizers(env: Record<string, string | undefined>, session: SessionAuthorizer) {
  const verifier = new TokenService(tokenKeys({ signingKeys: env.SIGNING_KEYS }), {
    issuer: issuerFrom(env),
    audience: audienceFrom(env),
    accessTokenTtl: 900,
    refreshTokenTtl: 604800,
    defaultClientId: 'web',
  });

  /** The event with the authorizer's result where API Gateway puts it, or the refusal. */
  return async function authorize(route: ProtectedRoute, event: HttpEvent): Promise<HttpEvent | Refusal> {
    const header = event.headers?.authorization;
    if (!header) return unauthorized;
    if (route.authorizer === 'jwt') {
      const token = bearerFrom(header);
      if (!token) return unauthorized;
      try {
        const claims = await verifier.verify(token, 'access');
        const { type: _type, ...rest } = claims;
        const strings = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]));
        return withAuthorizer(event, { jwt: { claims: strings, scopes: null } });
      } catch (err) {
        if (err instanceof TokenError) return unauthorized;
        throw err;
      }
    }
    const result = await session({
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${route.method}${route.path}`,
      identitySource: [header],
      routeKey: event.routeKey,
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
      headers: event.headers,
      requestContext: event.requestContext,
    } as APIGatewayRequestAuthorizerEventV2);
    return result.isAuthorized ? withAuthorizer(event, { lambda: result.context ?? {} }) : forbidden;
  };
}

const withAuthorizer = (event: HttpEvent, authorizer: object): HttpEvent =>
  ({ ...event, requestContext: { ...event.requestContext, authorizer } }) as HttpEvent;

/** The protected route for this method and exact path (declared paths have no parameters). */
export function matchProtected(
  list: readonly ProtectedRoute[],
  method: string,
  path: string,
): ProtectedRoute | undefined {
  return list.find((r) => r.method === method.toUpperCase() && r.path === path);
}
