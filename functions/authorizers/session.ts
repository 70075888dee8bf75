import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { DomainError } from '../core/errors';
import { bearerFrom } from '../http/request';
import { withTracing } from '../http/tracing';
import { auth } from './runtime';

/**
 * A Lambda authorizer's simple response (payload 2.0): the context reaches the route as
 * `requestContext.authorizer.lambda`.
 */
export interface SimpleAuthorizerResult {
  isAuthorized: boolean;
  context?: { sub: string; sid: string; clientId: string };
}

/**
 * The session authorizer for a team's own routes: the access token must verify and its session must
 * live, exactly as for /users/me, so a logout ends access at once. A refused token is
 * `isAuthorized: false` (API Gateway answers 403); a store outage throws (API Gateway answers 500,
 * and nothing is let through).
 */
export const handler = withTracing(authorize);

async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<SimpleAuthorizerResult> {
  const header = event.headers?.authorization ?? event.identitySource?.[0];
  const token = bearerFrom(header);
  try {
    // A team's own routes decide for themselves what a third-party client may do: by its scope.
    const { claims } = await auth.authenticate(token, { thirdParty: true });
    const context = { sub: claims.sub, sid: claims.sid, clientId: claims.client_id ?? '', scope: claims.scope ?? '' };
    return { isAuthorized: true, context };
  } catch (err) {
    if (err instanceof DomainError) return { isAuthorized: false };
    throw err;
  }
}
