import { protectedRoutes } from '../functions/protected-routes';
import { routes } from '../functions/routes';
import { ACCOUNT_OPERATIONS } from './openapi/accounts';
import { KEY_OPERATIONS } from './openapi/keys';
import { MFA_OPERATIONS } from './openapi/mfa';
import { OAUTH2_OPERATIONS } from './openapi/oauth2';
import { AUTHORIZATION_OPERATIONS } from './openapi/authorization';
import { PASSKEY_OPERATIONS } from './openapi/passkeys';
import { COMMON, type Operation, bearerErrors, detail, jsonBody, ref } from './openapi/parts';
import { SCHEMAS } from './openapi/schemas';
import { SESSION_OPERATIONS } from './openapi/sessions';

/**
 * The HTTP contract (docs/http-contract.md) as an OpenAPI 3.1 document: every route, status, body,
 * header and cookie, both error shapes, and API Gateway's own answers. The dev server serves it at
 * /openapi.json (Swagger UI at /docs), `npm run openapi` writes docs/openapi.json, and every
 * response the integration tests receive is validated against it (test/support/openapi.ts), so it
 * cannot drift from the code.
 */

/** Each route's description, by `METHOD /path`: one file per capability under dev/openapi/. */
const OPERATIONS: Record<string, Operation> = {
  ...SESSION_OPERATIONS,
  ...OAUTH2_OPERATIONS,
  ...ACCOUNT_OPERATIONS,
  ...KEY_OPERATIONS,
  ...MFA_OPERATIONS,
  ...PASSKEY_OPERATIONS,
  ...AUTHORIZATION_OPERATIONS,
};

type Json = Record<string, unknown>;
const NOT_ALLOWED = detail('A third-party client’s token: it never acts on the account', 'Not allowed for this client');

/**
 * Every Bearer route that acts on the account (its 401 is the shared one) may also answer a
 * third-party client's token `403 Not allowed for this client` (docs/authorization-server.md "Clients").
 */
function withThirdPartyRefusal(responses: Record<string, Json>): Record<string, Json> {
  if (responses['401'] !== bearerErrors['401']) return responses;
  const own = responses['403'] as { description: string; content: Record<string, { schema: Json }> } | undefined;
  if (!own) return { ...responses, '403': NOT_ALLOWED };
  const schemas = [own.content['application/json'].schema, NOT_ALLOWED.content['application/json'].schema];
  return {
    ...responses,
    '403': {
      ...own,
      description: `${own.description}; or ${NOT_ALLOWED.description}`,
      content: { 'application/json': { schema: { oneOf: schemas } } },
    },
  };
}

/** The document, for a server at `serverUrl`. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const add = (method: string, path: string, operation: Operation) => {
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      ...operation,
      responses: { ...COMMON, ...withThirdPartyRefusal(operation.responses as Record<string, Json>) },
    };
  };
  for (const route of routes) {
    const operation = OPERATIONS[`${route.method} ${route.path}`];
    if (!operation) throw new Error(`openapi: no description of ${route.method} ${route.path}`);
    add(route.method, route.path, { operationId: route.name, ...operation });
  }
  for (const own of protectedRoutes) {
    add(own.method, own.path, {
      operationId: own.name,
      summary: `Example of your own route behind the ${own.authorizer} authorizer`,
      security: [{ bearer: [] }],
      responses: {
        '200': jsonBody(ref('Whoami'), 'Who the authorizer let through'),
        '401': jsonBody(ref('GatewayMessage'), 'API Gateway: no token'),
        '403': jsonBody(ref('GatewayMessage'), 'API Gateway: the authorizer refused the token'),
      },
    });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Serverless auth API',
      version: '1',
      description:
        'Password login, JWT access tokens and revocable refresh-token sessions. Errors are FastAPI\'s `{"detail"}` ' +
        'on /auth/* and /users/*, RFC 6749\'s `{"error"}` on /oauth2/*. Unknown paths answer ' +
        '`404 {"detail": "Not Found"}`, a known path with another method `405 {"detail": "Method Not Allowed"}`.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        refreshCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'refresh_token',
          description: '`__Host-refresh_token` when the deployment sets COOKIE_HOST_PREFIX=true',
        },
      },
    },
  };
}
