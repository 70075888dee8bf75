import { H, type Operation, bearerErrors, detail, fields, int, jsonBody, object, ref, str, tokenBody } from './parts';

/**
 * The MFA routes (docs/mfa.md): TOTP set up, confirmed, disabled; recovery codes; the MFA step of a
 * cookie-route login. The routes marked recent need a session from a login at most
 * REAUTH_MAX_AGE_SECONDS (600) ago.
 */
const recent = {
  '403': detail('The session is not recent: log in again', 'Recent authentication required: log in again'),
};
const codeField = { type: 'string', pattern: '^[0-9]{6}$' };
const recoveryCode = { ...str, description: '`DXXX-XXXX-XXXX`; case, hyphens and spaces do not matter' };
const codes = { type: 'array', minItems: 10, maxItems: 10, items: { type: 'string', pattern: '^[0-9][0-9A-Z]{3}-' } };
const oneOf = (extra: Record<string, unknown> = {}) => {
  const either = { type: 'object', properties: { ...extra, code: codeField, recovery_code: recoveryCode } };
  return {
    required: true,
    content: { 'application/x-www-form-urlencoded': { schema: either }, 'application/json': { schema: either } },
  };
};
const bodyErrors = {
  '413': detail('Body over 16 KiB'),
  '415': detail('Neither a form nor JSON'),
  '422': jsonBody(ref('ValidationError'), 'Missing or malformed fields (FastAPI shape); nothing was read or written'),
};
const conflict = (text: string) => ({ '409': detail(text, text) });
const bearer = [{ bearer: [] }];

export const MFA_OPERATIONS: Record<string, Operation> = {
  'GET /auth/mfa': {
    summary: 'Your second factors: whether TOTP is on, since when, recovery codes left',
    security: bearer,
    responses: {
      '200': jsonBody(
        object({
          totp_enabled: { type: 'boolean' },
          totp_enabled_at: { type: ['string', 'null'], format: 'date-time' },
          recovery_codes_left: int,
          passkeys: int,
        }),
        'The state',
      ),
      ...bearerErrors,
    },
  },
  'POST /auth/mfa/totp/setup': {
    summary: 'Start setting up TOTP (recent login): a new secret, shown once',
    description: 'Pending, not asked at login, until confirmed within 10 minutes; a new setup replaces a pending one.',
    security: bearer,
    responses: {
      '200': jsonBody(
        object({ secret: { type: 'string', pattern: '^[A-Z2-7]{32}$' }, otpauth_uri: str, expires_in: { const: 600 } }),
        'The secret as base32 and as an otpauth:// URI (for a QR code)',
        H.noStore,
      ),
      ...bearerErrors,
      ...recent,
      ...conflict('TOTP already enabled'),
    },
  },
  'POST /auth/mfa/totp/confirm': {
    summary: 'Turn TOTP on with a code from the pending secret (recent login); every other session ends',
    description:
      'Ten recovery codes, shown this once. A new credential version: every other session ends, this one ' +
      'carries on with a new refresh cookie.',
    security: bearer,
    requestBody: fields({ code: codeField }),
    responses: {
      '200': jsonBody(object({ message: { const: 'TOTP enabled' }, recovery_codes: codes, revoked: int }), 'On', {
        ...H.setCookie,
        ...H.noStore,
      }),
      '400': {
        description: 'A wrong code (`Invalid code`), no setup in progress, or a disabled user (`Inactive user`)',
        content: { 'application/json': { schema: ref('Detail') } },
      },
      '401': bearerErrors['401'],
      ...recent,
      ...conflict('TOTP already enabled'),
      ...bodyErrors,
    },
  },
  'POST /auth/mfa/totp/disable': {
    summary: 'Turn TOTP off with a code or a recovery code (recent login); every other session ends',
    description: 'Exactly one of `code` and `recovery_code`. A wrong one counts toward the lockout, as a password.',
    security: bearer,
    requestBody: oneOf(),
    responses: {
      '200': jsonBody(object({ message: { const: 'TOTP disabled' }, revoked: int }), 'Off', H.setCookie),
      '401': {
        description: 'No token or an invalid one (with `WWW-Authenticate`), or a wrong code (`Invalid code`)',
        content: { 'application/json': { schema: ref('Detail') } },
      },
      '400': bearerErrors['400'],
      ...recent,
      ...conflict('TOTP not enabled'),
      ...bodyErrors,
    },
  },
  'POST /auth/mfa/recovery-codes': {
    summary: 'Ten new recovery codes replace the set (recent login)',
    security: bearer,
    responses: {
      '200': jsonBody(object({ recovery_codes: codes }), 'The new codes, shown this once', H.noStore),
      ...bearerErrors,
      ...recent,
      ...conflict('TOTP not enabled'),
    },
  },
  'POST /auth/mfa/verify': {
    summary: 'The second factor of a login that answered `MFA required`',
    description:
      'The `mfa_token` of that answer and exactly one of `code` and `recovery_code`. Every attempt takes a place ' +
      "in the username's and the IP's failure counts; a wrong code keeps it. Answers as POST /auth/token.",
    requestBody: oneOf({ mfa_token: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } }),
    responses: {
      '200': jsonBody(tokenBody, 'Logged in', { ...H.setCookie, ...H.noStore }),
      '401': {
        description: '`Invalid or expired MFA token`, or a wrong or already used code (`Invalid code`)',
        content: {
          'application/json': {
            schema: object({ detail: { enum: ['Invalid or expired MFA token', 'Invalid code'] } }),
          },
        },
      },
      '403': detail('A foreign Origin (CSRF defence)', 'Origin not allowed'),
      ...bodyErrors,
    },
  },
};
