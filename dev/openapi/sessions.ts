import {
  type Operation,
  ref,
  str,
  int,
  object,
  jsonBody,
  detail,
  H,
  bearerErrors,
  originRefused,
  formLogin,
  tokenBody,
  header,
} from './parts';

/** The session routes: log in, refresh, log out (one session or all), list and end sessions, the current user. */
export const SESSION_OPERATIONS: Record<string, Operation> = {
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
        { oneOf: [object({ detail: { enum: ['Origin not allowed', 'Email not verified'] } }), ref('MfaRequired')] },
        'A foreign Origin (CSRF defence); when verification is required, the right password of a user whose ' +
          'email is not verified; or the right password of a user with MFA on: no session yet, an `mfa_token` ' +
          'to redeem at POST /auth/mfa/verify within 5 minutes (docs/mfa.md)',
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
      '401': detail(
        "The refresh cookie sent twice (one may be a sibling subdomain's): nothing ended",
        'Invalid refresh token',
      ),
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
      '401': detail(
        'No token (`Not authenticated`), an invalid one or one whose session ended (with `WWW-Authenticate`), ' +
          'or the refresh cookie sent twice (`Invalid refresh token`: nothing ended)',
        undefined,
        { 'WWW-Authenticate': header('`Bearer`, when a token was refused', str, false) },
      ),
      ...originRefused,
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
};
