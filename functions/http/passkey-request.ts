import { canonicalUsername, USERNAME_PROBLEMS } from '../core/usernames';
import { DomainError } from '../core/errors';
import { HttpError, type ValidationIssue, validationFailed } from './errors';
import { bodyText, mediaType, parseJsonObject } from './request';
import type { HttpEvent } from './types';

/**
 * The passkey routes' request bodies (docs/passkeys.md): JSON only, WebAuthn objects in their
 * standard JSON forms. Shape and length are checked before the table is touched; a malformed
 * request is a FastAPI-shaped 422 (415 for another content type) that writes nothing.
 */

/** A credential id as stored: base64url, at most 1023 bytes (WebAuthn §5.8.3) when decoded. */
export const CREDENTIAL_ID = /^[A-Za-z0-9_-]{16,1364}$/;

const issue = (field: string, msg: string, type = 'value_error'): ValidationIssue => ({
  type,
  loc: ['body', field],
  msg: type === 'value_error' ? `Value error, ${msg}` : msg,
});

/** The body as a JSON object (an empty body is `{}`): 415 for any other media type. */
function jsonBody(event: HttpEvent): Record<string, unknown> {
  const text = bodyText(event);
  const type = mediaType(event);
  if (type === undefined && text.trim() === '') return {};
  if (type !== 'application/json') throw new HttpError(415, 'Unsupported media type: use application/json');
  return parseJsonObject(text);
}

/** A RegistrationResponseJSON or AuthenticationResponseJSON's outer shape (the library checks the rest). */
function credentialOf(fields: Record<string, unknown>, issues: ValidationIssue[]): unknown {
  const c = fields.credential as Record<string, unknown> | undefined;
  if (c === undefined || c === null) {
    issues.push(issue('credential', 'Field required', 'missing'));
    return undefined;
  }
  const response = c.response as Record<string, unknown> | undefined;
  const ok =
    typeof c === 'object' &&
    typeof c.id === 'string' &&
    CREDENTIAL_ID.test(c.id) &&
    c.type === 'public-key' &&
    typeof response === 'object' &&
    response !== null &&
    typeof response.clientDataJSON === 'string';
  if (!ok) issues.push(issue('credential', 'not a WebAuthn credential (id, type "public-key", response)'));
  return c;
}

/** A passkey's name: 1-64 characters, no control characters. */
function nameOf(fields: Record<string, unknown>, issues: ValidationIssue[], required: boolean): string | undefined {
  const name = fields.name;
  if (name === undefined && !required) return undefined;
  if (typeof name !== 'string' || name.trim() === '') {
    issues.push(issue('name', name === undefined ? 'Field required' : 'name must be a non-blank string'));
    return undefined;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if ([...name].length > 64 || /[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    issues.push(issue('name', 'name must be 1-64 characters without control characters'));
  }
  return name;
}

/** POST /auth/passkeys/register/verify: `credential` and an optional `name`. */
export function parseRegistration(event: HttpEvent): { credential: unknown; name?: string } {
  const fields = jsonBody(event);
  const issues: ValidationIssue[] = [];
  const credential = credentialOf(fields, issues);
  const name = nameOf(fields, issues, false);
  if (issues.length > 0) throw validationFailed(issues);
  return { credential, name };
}

/** POST /auth/passkeys/login/verify: `credential`. */
export function parseAssertion(event: HttpEvent): unknown {
  const issues: ValidationIssue[] = [];
  const credential = credentialOf(jsonBody(event), issues);
  if (issues.length > 0) throw validationFailed(issues);
  return credential;
}

/**
 * The passkey grant's `credential` form field: an AuthenticationResponseJSON as JSON text, with the
 * outer shape of the cookie route's; the problem as a sentence (an OAuth `invalid_request`) otherwise.
 */
export function assertionFromText(text: string): { credential: unknown } | { problem: string } {
  let fields: Record<string, unknown>;
  try {
    fields = { credential: JSON.parse(text) };
  } catch {
    return { problem: 'credential must be an AuthenticationResponseJSON as JSON text' };
  }
  const issues: ValidationIssue[] = [];
  const credential = credentialOf(fields, issues);
  if (issues.length > 0) return { problem: `credential is ${issues[0].msg.replace(/^Value error, /, '')}` };
  return { credential };
}

/** POST /auth/passkeys/login/options: an optional `username`, under the username rule. */
export function parseLoginOptions(event: HttpEvent): { username?: string } {
  const fields = jsonBody(event);
  if (fields.username === undefined || fields.username === null) return {};
  if (typeof fields.username !== 'string')
    throw validationFailed([issue('username', 'Input should be a valid string', 'string_type')]);
  const canonical = canonicalUsername(fields.username);
  if ('problem' in canonical) throw validationFailed([issue('username', USERNAME_PROBLEMS[canonical.problem])]);
  return { username: canonical.username };
}

/** PATCH /auth/passkeys/{id}: `name`. */
export function parseRename(event: HttpEvent): { name: string } {
  const issues: ValidationIssue[] = [];
  const name = nameOf(jsonBody(event), issues, true);
  if (issues.length > 0) throw validationFailed(issues);
  return { name: name! };
}

/** The `{id}` of a passkey path: a malformed one is answered as not found, unread. */
export function passkeyIdOf(event: HttpEvent): string {
  const id = event.pathParameters?.id;
  if (!id || !CREDENTIAL_ID.test(id)) throw new DomainError('passkey_not_found');
  return id;
}
