import { protectedRoutes } from '../functions/protected-routes';
import { routes } from '../functions/routes';

/**
 * The HTTP contract (docs/http-contract.md) as an OpenAPI 3.1 document: every route, status, body,
 * header and cookie, both error shapes, and API Gateway's own answers. The dev server serves it at
 * /openapi.json (Swagger UI at /docs), `npm run openapi` writes docs/openapi.json, and every
 * response the integration tests receive is validated against it (test/support/openapi.ts), so it
 * cannot drift from the code.
 */

type Schema = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' };
const int = { type: 'integer', minimum: 0 };
const object = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const jsonBody = (schema: Schema, description: string, headers: Record<string, unknown> = {}) => ({
  description,
  headers,
  content: { 'application/json': { schema } },
});
const detail = (description: string, text?: string, headers: Record<string, unknown> = {}) =>
  jsonBody(text ? object({ detail: { const: text } }) : ref('Detail'), description, headers);

const header = (description: string, schema: Schema = str, required = true) => ({ description, required, schema });
const H = {
  wwwAuthenticate: { 'WWW-Authenticate': header('Always `Bearer`', { const: 'Bearer' }) },
  retryAfter: { 'Retry-After': header('Seconds to wait', { type: 'string', pattern: '^[0-9]+$' }) },
  noStore: { 'Cache-Control': header('Token responses are never cached', { const: 'no-store' }) },
  setCookie: {
    'Set-Cookie': header(
      '`refresh_token=<JWT>; HttpOnly; Max-Age=604800; Path=/auth; SameSite=Lax`, and `; Secure` everywhere ' +
        'but the dev server',
      { type: 'string', pattern: '^refresh_token=' },
    ),
  },
  clearCookie: {
    'Set-Cookie': header('`refresh_token=; ...; Max-Age=0`: clears the cookie', {
      type: 'string',
      pattern: '^refresh_token=;',
    }),
  },
  cacheable: { 'Cache-Control': header('Cacheable for five minutes', { const: 'public, max-age=300' }) },
};

/** Answers every route may give: the contract's 5xx, and API Gateway's own throttling. */
const COMMON = {
  '429': {
    description:
      'Throttled. The login routes: too many failed attempts (`{"detail"}` or, on /oauth2/*, `slow_down`, with ' +
      '`Retry-After`). Any route: API Gateway\'s own throttling, `{"message": "Too Many Requests"}` (deployed only).',
    content: { 'application/json': { schema: { oneOf: [ref('Detail'), ref('OAuthError'), ref('GatewayMessage')] } } },
  },
  '500': detail('A bug (logged; nothing else is said)', 'Internal server error'),
  '503': detail('The store or the secret store is unreachable: nothing was done, retry', 'Service unavailable'),
};
const bearerErrors = {
  '401': detail(
    'No token (`Not authenticated`), or an invalid one or one whose session ended',
    undefined,
    H.wwwAuthenticate,
  ),
  '400': detail('The user is disabled', 'Inactive user', H.wwwAuthenticate),
};
const originRefused = { '403': detail('A foreign Origin (CSRF defence)', 'Origin not allowed') };
const formLogin = {
  type: 'object',
  properties: {
    username: { type: 'string', maxLength: 128 },
    password: str,
    grant_type: { const: 'password' },
    scope: str,
  },
  required: ['username', 'password'],
};
const passwordChange = {
  type: 'object',
  properties: { current_password: str, new_password: { ...str, description: '8 to 72 bytes, not common' } },
  required: ['current_password', 'new_password'],
};
/** A JSON or form body with these string fields. */
const fields = (properties: Record<string, Schema>, required = Object.keys(properties)) => {
  const schema = { type: 'object', properties, required };
  return {
    required: true,
    content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } },
  };
};
const newPassword = { ...str, description: '8 to 72 bytes of UTF-8, not the username, not a common password' };
const usernameField = { type: 'string', maxLength: 128 };
const fieldErrors = {
  '413': detail('Body over 16 KiB'),
  '415': detail('Neither a form nor JSON'),
  '422': jsonBody(ref('ValidationError'), 'Missing or malformed fields, or a password the policy refuses'),
};
const perIpLimit = {
  '429': {
    description: 'Too many requests from this source IP (`Too many requests`, with `Retry-After`), or API Gateway',
    headers: { 'Retry-After': { ...H.retryAfter['Retry-After'], required: false } },
    content: { 'application/json': { schema: { oneOf: [ref('Detail'), ref('GatewayMessage')] } } },
  },
};
const badToken = { '400': detail('Unknown, used, expired or no longer applicable token', 'Invalid or expired token') };
const message = (text: string, description: string) => jsonBody(object({ message: { const: text } }), description);
const emailRoute = ' Deployed only with an email sender (EMAIL_FROM); the dev server always has its outbox.';
const signupRoute = ' Only when sign-up is allowed (ALLOW_SIGNUP); otherwise 404.';
const signupOff = { '404': detail('Sign-up is off: the route does not exist', 'Not Found') };

const tokenBody = object({ access_token: str, token_type: { const: 'bearer' }, expires_in: int });

type Operation = Record<string, unknown>;
const OPERATIONS: Record<string, Operation> = {
  'POST /auth/token': {
    summary: 'Log in with username and password',
    description: 'Starts a session. The refresh token is set as an HttpOnly cookie.',
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: formLogin },
        'application/json': { schema: formLogin },
      },
    },
    responses: {
      '200': jsonBody(tokenBody, 'Logged in', { ...H.setCookie, ...H.noStore }),
      '401': detail('Unknown user, wrong password, disabled user', 'Incorrect username or password', H.wwwAuthenticate),
      '403': jsonBody(
        object({ detail: { enum: ['Origin not allowed', 'Email not verified'] } }),
        'A foreign Origin (CSRF defence); or, when verification is required, the right password of a user ' +
          'whose email is not verified',
      ),
      '413': detail('Body over 16 KiB'),
      '415': detail('Neither a form nor JSON'),
      '422': jsonBody(ref('ValidationError'), 'Missing or malformed fields (FastAPI shape)'),
      '429': {
        description: 'Locked out (username or source IP), or API Gateway throttling',
        headers: { 'Retry-After': { ...H.retryAfter['Retry-After'], required: false } },
        content: { 'application/json': { schema: { oneOf: [ref('Detail'), ref('GatewayMessage')] } } },
      },
    },
  },
  'POST /auth/refresh': {
    summary: 'New access token; rotates the refresh cookie',
    parameters: [{ name: 'refresh_token', in: 'cookie', required: false, schema: str }],
    responses: {
      '200': jsonBody(tokenBody, 'Refreshed', { ...H.setCookie, ...H.noStore }),
      '401': detail('No cookie, or an invalid, expired, revoked or replayed refresh token', 'Invalid refresh token'),
      ...originRefused,
    },
  },
  'POST /auth/logout': {
    summary: 'End this session and clear the cookie',
    parameters: [{ name: 'refresh_token', in: 'cookie', required: false, schema: str }],
    responses: {
      '200': jsonBody(object({ message: { const: 'Successfully logged out' } }), 'Always, token or not', H.clearCookie),
      ...originRefused,
    },
  },
  'POST /auth/logout-all': {
    summary: 'End every session of the user',
    security: [{ bearer: [] }, { refreshCookie: [] }],
    responses: {
      '200': jsonBody(
        object({ message: { const: 'Logged out of all sessions' }, revoked: int }),
        'Every session ended',
        H.clearCookie,
      ),
      ...bearerErrors,
      ...originRefused,
    },
  },
  'POST /auth/password': {
    summary: 'Change your own password; every other session ends, this one keeps working',
    security: [{ bearer: [] }],
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: passwordChange },
        'application/json': { schema: passwordChange },
      },
    },
    responses: {
      '200': jsonBody(object({ message: { const: 'Password changed' }, revoked: int }), 'Changed'),
      '401': {
        description:
          'No token or an invalid one (`Not authenticated`, `Could not validate credentials`, with ' +
          '`WWW-Authenticate`), or a wrong current password (`Incorrect password`, counted toward the lockout)',
        content: { 'application/json': { schema: ref('Detail') } },
      },
      '400': detail('The user is disabled', 'Inactive user', H.wwwAuthenticate),
      '413': detail('Body over 16 KiB'),
      '415': detail('Neither a form nor JSON'),
      '422': jsonBody(ref('ValidationError'), 'Missing fields, or a new password the policy refuses (`msg` says why)'),
      '429': {
        description: 'Locked out (the current password is checked like a login)',
        content: { 'application/json': { schema: { oneOf: [ref('Detail'), ref('GatewayMessage')] } } },
      },
    },
  },
  'GET /auth/sessions': {
    summary: "The user's live sessions, newest first",
    security: [{ bearer: [] }],
    responses: { '200': jsonBody(ref('Sessions'), 'The sessions'), ...bearerErrors },
  },
  'DELETE /auth/sessions/{id}': {
    summary: "End one of the user's own sessions",
    security: [{ bearer: [] }],
    parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
    responses: {
      '204': { description: 'Ended' },
      '404': detail('Not a live session of the caller', 'Session not found'),
      ...bearerErrors,
    },
  },
  'GET /users/me': {
    summary: 'The current user',
    security: [{ bearer: [] }],
    responses: { '200': jsonBody(ref('User'), 'The user behind the token'), ...bearerErrors },
  },
  'POST /oauth2/token': {
    summary: 'OAuth 2.0 token endpoint (password and refresh_token grants)',
    description: 'For clients that cannot hold a cookie: the refresh token is in the body. RFC 6749 errors.',
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            properties: {
              grant_type: { enum: ['password', 'refresh_token'] },
              username: str,
              password: str,
              refresh_token: str,
              client_id: str,
              scope: str,
            },
            required: ['grant_type'],
          },
        },
      },
    },
    responses: {
      '200': jsonBody(
        object({ access_token: str, token_type: { const: 'Bearer' }, expires_in: int, refresh_token: str }),
        'Tokens (no cookie)',
        { ...H.noStore, Pragma: header('`no-cache`', { const: 'no-cache' }) },
      ),
      '400': jsonBody(ref('OAuthError'), '`invalid_grant`, `invalid_request` or `unsupported_grant_type`'),
      '403': jsonBody(ref('OAuthError'), 'A foreign Origin: `invalid_request`'),
      '429': {
        description: 'Locked out: `slow_down`; or API Gateway throttling',
        content: { 'application/json': { schema: { oneOf: [ref('OAuthError'), ref('GatewayMessage')] } } },
      },
      '503': jsonBody(ref('OAuthError'), '`temporarily_unavailable`'),
      '500': jsonBody(ref('OAuthError'), '`server_error`'),
    },
  },
  'POST /oauth2/revoke': {
    summary: 'OAuth 2.0 token revocation (RFC 7009)',
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: { type: 'object', properties: { token: str, token_type_hint: str }, required: ['token'] },
        },
      },
    },
    responses: {
      '200': jsonBody(object({}), 'Always for a token, valid or not; a genuine one ends its session'),
      '400': jsonBody(ref('OAuthError'), '`invalid_request`'),
      '403': jsonBody(ref('OAuthError'), 'A foreign Origin: `invalid_request`'),
      '503': jsonBody(ref('OAuthError'), '`temporarily_unavailable`'),
      '500': jsonBody(ref('OAuthError'), '`server_error`'),
    },
  },
  'POST /auth/password/forgot': {
    summary: 'Ask for a password reset link',
    description:
      'Always the same 202, as fast whether or not the user exists; at most 3 messages per user per hour ' +
      `(beyond that, the same 202 and nothing sent). The link lives 30 minutes.${emailRoute}`,
    requestBody: fields({ username: usernameField }),
    responses: {
      '202': message('If the account exists, a reset link has been sent', 'Accepted (whoever was named)'),
      ...fieldErrors,
      ...perIpLimit,
    },
  },
  'POST /auth/password/reset': {
    summary: "Set a new password with a reset link's token",
    description: `Every session of the user ends and the username's lockout is cleared.${emailRoute}`,
    requestBody: fields({ token: str, new_password: newPassword }),
    responses: { '200': message('Password reset', 'The password is replaced'), ...badToken, ...fieldErrors },
  },
  'POST /auth/signup': {
    summary: 'Create an account',
    description: `A verification link (24 hours) is sent to the address.${signupRoute}`,
    requestBody: fields(
      {
        username: usernameField,
        password: newPassword,
        email: { type: 'string', maxLength: 254 },
        full_name: { type: 'string', maxLength: 256 },
      },
      ['username', 'password', 'email'],
    ),
    responses: {
      '201': jsonBody(
        object({
          username: str,
          email: str,
          full_name: { type: ['string', 'null'] },
          disabled: { const: false },
          email_verified: { const: false },
        }),
        'The new, unverified user',
      ),
      '409': detail('The username is taken', 'Username already registered'),
      ...signupOff,
      ...fieldErrors,
      ...perIpLimit,
    },
  },
  'POST /auth/email/verify': {
    summary: "Verify an email address with a verification link's token",
    description: signupRoute.trim(),
    requestBody: fields({ token: str }),
    responses: {
      '200': message('Email verified', 'The address is verified'),
      ...badToken,
      ...signupOff,
      ...fieldErrors,
    },
  },
  'POST /auth/email/verify/resend': {
    summary: 'Ask for a new verification link',
    description: `The same rules as forgot: always 202, at most 3 messages per user per hour.${signupRoute}`,
    requestBody: fields({ username: usernameField }),
    responses: {
      '202': message('If the account needs it, a verification link has been sent', 'Accepted (whoever was named)'),
      ...signupOff,
      ...fieldErrors,
      ...perIpLimit,
    },
  },
  'GET /.well-known/openid-configuration': {
    summary: 'Discovery document',
    responses: { '200': jsonBody(ref('Discovery'), 'Issuer, JWKS and endpoints', H.cacheable) },
  },
  'GET /.well-known/jwks.json': {
    summary: 'The public keys that verify access tokens',
    responses: { '200': jsonBody(ref('Jwks'), 'Previous, current and next keys', H.cacheable) },
  },
};

const SCHEMAS: Record<string, Schema> = {
  Detail: object({ detail: str }),
  ValidationError: object({
    detail: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          type: str,
          loc: { type: 'array', items: { type: ['string', 'integer'] } },
          msg: str,
          ctx: { type: 'object' },
        },
        required: ['type', 'loc', 'msg'],
        additionalProperties: false,
      },
    },
  }),
  OAuthError: object(
    {
      error: {
        enum: [
          'invalid_request',
          'invalid_grant',
          'unsupported_grant_type',
          'slow_down',
          'temporarily_unavailable',
          'server_error',
        ],
      },
      error_description: str,
    },
    ['error'],
  ),
  GatewayMessage: { ...object({ message: str }), description: "API Gateway's own answer (not our code's)" },
  User: object({
    username: str,
    email: { type: ['string', 'null'] },
    full_name: { type: ['string', 'null'] },
    disabled: { type: 'boolean' },
  }),
  Sessions: object({
    sessions: {
      type: 'array',
      items: object({
        id: str,
        created_at: { type: 'string', format: 'date-time' },
        last_used_at: { type: 'string', format: 'date-time' },
        expires_at: { type: 'string', format: 'date-time' },
        current: { type: 'boolean' },
      }),
    },
  }),
  Discovery: {
    type: 'object',
    properties: {
      issuer: str,
      jwks_uri: str,
      token_endpoint: str,
      revocation_endpoint: str,
      grant_types_supported: { type: 'array', items: str },
    },
    required: ['issuer', 'jwks_uri', 'token_endpoint', 'revocation_endpoint'],
  },
  Jwks: object({
    keys: {
      type: 'array',
      items: object({
        kty: { const: 'RSA' },
        kid: str,
        use: { const: 'sig' },
        alg: { const: 'RS256' },
        n: str,
        e: str,
      }),
    },
  }),
  Whoami: object({
    username: { type: ['string', 'null'] },
    session: { type: ['string', 'null'] },
    client_id: { type: ['string', 'null'] },
  }),
};

/** The document, for a server at `serverUrl`. */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const add = (method: string, path: string, operation: Operation) => {
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      ...operation,
      responses: { ...COMMON, ...(operation.responses as object) },
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
        refreshCookie: { type: 'apiKey', in: 'cookie', name: 'refresh_token' },
      },
    },
  };
}
