/**
 * The building blocks of the OpenAPI document (dev/openapi.ts): schema shorthands, the headers and
 * answers many routes share. One file per capability describes its routes with them.
 */
export type Schema = Record<string, unknown>;
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const str = { type: 'string' };
export const int = { type: 'integer', minimum: 0 };
export const object = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
export const jsonBody = (schema: Schema, description: string, headers: Record<string, unknown> = {}) => ({
  description,
  headers,
  content: { 'application/json': { schema } },
});
export const detail = (description: string, text?: string, headers: Record<string, unknown> = {}) =>
  jsonBody(text ? object({ detail: { const: text } }) : ref('Detail'), description, headers);

export const header = (description: string, schema: Schema = str, required = true) => ({
  description,
  required,
  schema,
});
export const H = {
  wwwAuthenticate: {
    'WWW-Authenticate': header(
      '`Bearer`; `Bearer error="invalid_token"` when a token was presented and refused (RFC 6750 §3.1)',
      {
        enum: ['Bearer', 'Bearer error="invalid_token"'],
      },
    ),
  },
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
export const COMMON = {
  '429': {
    description:
      'Throttled. The login routes: too many failed attempts (`{"detail"}` or, on /oauth2/*, `slow_down`, with ' +
      '`Retry-After`). Any route: API Gateway\'s own throttling, `{"message": "Too Many Requests"}` (deployed only).',
    content: { 'application/json': { schema: { oneOf: [ref('Detail'), ref('OAuthError'), ref('GatewayMessage')] } } },
  },
  '500': detail('A bug (logged; nothing else is said)', 'Internal server error'),
  '503': detail('The store or the secret store is unreachable: nothing was done, retry', 'Service unavailable'),
};
export const bearerErrors = {
  '401': detail(
    'No token (`Not authenticated`), or an invalid one or one whose session ended',
    undefined,
    H.wwwAuthenticate,
  ),
  '400': detail('The user is disabled', 'Inactive user', H.wwwAuthenticate),
};
export const originRefused = { '403': detail('A foreign Origin (CSRF defence)', 'Origin not allowed') };
export const formLogin = {
  type: 'object',
  properties: {
    username: { type: 'string', maxLength: 128 },
    password: str,
    grant_type: { const: 'password' },
    scope: str,
  },
  required: ['username', 'password'],
};
export const passwordChange = {
  type: 'object',
  properties: { current_password: str, new_password: { ...str, description: '8 to 72 bytes, not common' } },
  required: ['current_password', 'new_password'],
};
/** A JSON or form body with these string fields. */
export const fields = (properties: Record<string, Schema>, required = Object.keys(properties)) => {
  const schema = { type: 'object', properties, required };
  return {
    required: true,
    content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } },
  };
};
export const newPassword = { ...str, description: '8 to 72 bytes of UTF-8, not the username, not a common password' };
export const usernameField = { type: 'string', maxLength: 128 };
export const fieldErrors = {
  '413': detail('Body over 16 KiB'),
  '415': detail('Neither a form nor JSON'),
  '422': jsonBody(ref('ValidationError'), 'Missing or malformed fields, or a password the policy refuses'),
};
export const perIpLimit = {
  '429': {
    description: 'Too many requests from this source IP (`Too many requests`, with `Retry-After`), or API Gateway',
    headers: { 'Retry-After': { ...H.retryAfter['Retry-After'], required: false } },
    content: { 'application/json': { schema: { oneOf: [ref('Detail'), ref('GatewayMessage')] } } },
  },
};
export const badToken = {
  '400': detail('Unknown, used, expired or no longer applicable token', 'Invalid or expired token'),
};
export const message = (text: string, description: string) =>
  jsonBody(object({ message: { const: text } }), description);
export const emailRoute = ' Deployed only with an email sender (EMAIL_FROM); the dev server always has its outbox.';
export const signupRoute = ' Only when sign-up is allowed (ALLOW_SIGNUP); otherwise 404.';
export const signupOff = { '404': detail('Sign-up is off: the route does not exist', 'Not Found') };

export const tokenBody = object({ access_token: str, token_type: { const: 'bearer' }, expires_in: int });

export type Operation = Record<string, unknown>;
