import { H, type Operation, bearerErrors, detail, jsonBody, object, originRefused, ref, str, tokenBody } from './parts';

/**
 * The passkey routes (docs/passkeys.md): WebAuthn objects in their standard JSON forms (what
 * `PublicKeyCredential.parseCreationOptionsFromJSON` and `toJSON()` use). Deployed only with a
 * relying party (WEBAUTHN_RP_ID); the dev server's is `localhost`.
 */
const passkeysRoute = ' Only with a relying party (WEBAUTHN_RP_ID); otherwise 404.';
const recent = {
  '403': detail('The session is not recent: log in again', 'Recent authentication required: log in again'),
};
const bearer = [{ bearer: [] }];
const dateTime = { type: 'string', format: 'date-time' };
const passkey = object({
  id: str,
  name: str,
  created_at: dateTime,
  last_used_at: { type: ['string', 'null'], format: 'date-time' },
  aaguid: str,
  device_type: { enum: ['singleDevice', 'multiDevice'] },
  backed_up: { type: 'boolean' },
  transports: { type: 'array', items: str },
  clone_suspected: { type: 'boolean' },
});
const credential = {
  type: 'object',
  required: ['id', 'type', 'response'],
  properties: { id: str, rawId: str, type: { const: 'public-key' }, response: { type: 'object' } },
  description: 'RegistrationResponseJSON or AuthenticationResponseJSON (`PublicKeyCredential.toJSON()`)',
};
const jsonOnly = (properties: Record<string, unknown>, required: string[], isRequired = true) => ({
  required: isRequired,
  content: { 'application/json': { schema: { type: 'object', properties, required } } },
});
const bodyErrors = {
  '413': detail('Body over 16 KiB'),
  '415': detail('Not JSON'),
  '422': jsonBody(ref('ValidationError'), 'Missing or malformed fields (FastAPI shape); nothing was read or written'),
};
const name = { type: 'string', minLength: 1, maxLength: 64 };
const challengeRefused = detail(
  'The challenge is unknown, used, expired or of another ceremony or session',
  'Invalid or expired challenge',
);
const off = { '404': detail('No relying party is configured: the route does not exist', 'Not Found') };

export const PASSKEY_OPERATIONS: Record<string, Operation> = {
  'POST /auth/passkeys/register/options': {
    summary: 'Options to register a passkey (recent login)',
    description:
      'PublicKeyCredentialCreationOptions as JSON: a 5-minute challenge, the user handle, the passkeys to ' +
      `exclude.${passkeysRoute}`,
    security: bearer,
    responses: {
      '200': jsonBody(object({ options: { type: 'object' } }), 'For navigator.credentials.create()', H.noStore),
      ...bearerErrors,
      ...recent,
      '409': detail('MAX_PASSKEYS_PER_USER reached', 'Too many passkeys'),
    },
  },
  'POST /auth/passkeys/register/verify': {
    summary: 'Register a passkey from the authenticator’s response (recent login)',
    description: `\`credential\` and an optional \`name\` (default \`Passkey <date>\`).${passkeysRoute}`,
    security: bearer,
    requestBody: jsonOnly({ credential, name }, ['credential']),
    responses: {
      '201': jsonBody(passkey, 'Registered'),
      '400': {
        description: '`Invalid or expired challenge`, `Passkey verification failed`, or a disabled user',
        content: { 'application/json': { schema: ref('Detail') } },
      },
      '401': bearerErrors['401'],
      ...recent,
      '409': detail('The credential id is stored already', 'Passkey already registered'),
      ...bodyErrors,
    },
  },
  'POST /auth/passkeys/login/options': {
    summary: 'Options to log in with a passkey',
    description:
      'A 5-minute challenge. With `username`, that user’s passkeys as `allowCredentials` (which tells whether it ' +
      `has any); without, none: usernameless and autofill logins use discoverable credentials.${passkeysRoute}`,
    requestBody: jsonOnly({ username: { type: 'string', maxLength: 128 } }, [], false),
    responses: {
      '200': jsonBody(object({ options: { type: 'object' } }), 'For navigator.credentials.get()', H.noStore),
      ...originRefused,
      ...bodyErrors,
      ...off,
    },
  },
  'POST /auth/passkeys/login/verify': {
    summary: 'Log in with a passkey',
    description:
      'Answers as POST /auth/token. Without user verification the assertion is one factor: a user with TOTP on ' +
      `gets \`MFA required\`. Takes a place in the source IP's failure count, never the username's.${passkeysRoute}`,
    requestBody: jsonOnly({ credential }, ['credential']),
    responses: {
      '200': jsonBody(tokenBody, 'Logged in', { ...H.setCookie, ...H.noStore }),
      '400': challengeRefused,
      '401': jsonBody(
        object({ detail: { enum: ['Unknown passkey', 'Passkey verification failed'] } }),
        'No such passkey (or its user is gone), or the assertion failed (signature, origin, RP ID, counter, a ' +
          'passkey flagged as cloned, a disabled user)',
      ),
      '403': jsonBody(
        { oneOf: [object({ detail: { enum: ['Origin not allowed', 'Email not verified'] } }), ref('MfaRequired')] },
        'A foreign Origin; an unverified email when verification is required; or MFA required',
      ),
      ...bodyErrors,
      ...off,
    },
  },
  'GET /auth/passkeys': {
    summary: 'Your passkeys, newest first',
    description:
      `With \`rp_id\` and \`user_id\`, what \`PublicKeyCredential.signalAllAcceptedCredentials\` ` +
      `needs.${passkeysRoute}`,
    security: bearer,
    responses: {
      '200': jsonBody(
        object({ rp_id: str, user_id: { type: ['string', 'null'] }, passkeys: { type: 'array', items: passkey } }),
        'The passkeys',
      ),
      ...bearerErrors,
      ...off,
    },
  },
  'PATCH /auth/passkeys/{id}': {
    summary: 'Rename one of your passkeys',
    security: bearer,
    parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
    requestBody: jsonOnly({ name }, ['name']),
    responses: {
      '200': jsonBody(passkey, 'Renamed'),
      ...bearerErrors,
      '404': detail('Not a passkey of the caller', 'Passkey not found'),
      ...bodyErrors,
    },
  },
  'DELETE /auth/passkeys/{id}': {
    summary: 'Delete one of your passkeys (recent login); every other session ends',
    description: 'A new credential version: this session carries on with a new refresh cookie.',
    security: bearer,
    parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
    responses: {
      '204': { description: 'Deleted', headers: H.setCookie },
      ...bearerErrors,
      ...recent,
      '404': detail('Not a passkey of the caller', 'Passkey not found'),
    },
  },
};
