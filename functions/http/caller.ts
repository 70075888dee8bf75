import type { HttpEvent } from './types';

/** Who called a protected route, as its authorizer established. */
export interface Caller {
  /** The username. */
  sub: string;
  /** The session the access token belongs to; undefined for a client_credentials token (no session). */
  sid?: string;
  clientId?: string;
  /** The granted scopes, space-separated ('' for none; docs/authorization-server.md "Scopes"). */
  scope: string;
}

type Authorizer = { jwt?: { claims?: Record<string, unknown> }; lambda?: Record<string, unknown> };

/**
 * The caller of a route behind either authorizer: API Gateway puts a JWT authorizer's claims in
 * `requestContext.authorizer.jwt.claims` and a Lambda authorizer's context (simple responses) in
 * `requestContext.authorizer.lambda`. Undefined when the route has no authorizer.
 */
export function caller(event: HttpEvent): Caller | undefined {
  const authorizer = (event.requestContext as { authorizer?: Authorizer }).authorizer;
  const claims = authorizer?.jwt?.claims;
  if (claims?.sub)
    return {
      sub: String(claims.sub),
      sid: optional(claims.sid),
      clientId: optional(claims.client_id),
      scope: optional(claims.scope) ?? '',
    };
  const context = authorizer?.lambda;
  if (context?.sub)
    return {
      sub: String(context.sub),
      sid: String(context.sid),
      clientId: optional(context.clientId),
      scope: optional(context.scope) ?? '',
    };
  return undefined;
}

const optional = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
