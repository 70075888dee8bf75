import type { RequestMeta } from '../core/auth';
import { MAX_USERNAME_LENGTH, USERNAME_PROBLEMS, type UsernameProblem, canonicalUsername } from '../core/usernames';
import { HttpError, type ValidationIssue, validationFailed } from './errors';
import type { HttpEvent } from './types';

export const MAX_BODY_BYTES = 16 * 1024;

/** A request header, case-insensitively (API Gateway lower-cases them already; the dev server too). */
export function header(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  return (
    headers[name.toLowerCase()] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
  );
}

/** Source IP and user agent for the audit log. */
export const requestMeta = (event: HttpEvent): RequestMeta => ({
  sourceIp: event.requestContext?.http?.sourceIp,
  userAgent: event.requestContext?.http?.userAgent,
});

/** The bearer token of `Authorization`, or undefined when there is none (FastAPI's OAuth2PasswordBearer rule). */
export function bearerToken(event: HttpEvent): string | undefined {
  return bearerFrom(header(event, 'authorization'));
}

/** The token of an `Authorization: Bearer <token>` value, or undefined (authorizers get the bare header). */
export const bearerFrom = (value: string | undefined): string | undefined =>
  value?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1];

/** The body as text, base64-decoded when API Gateway encoded it; 413 past 16 KiB decoded. */
export function bodyText(event: HttpEvent): string {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new HttpError(413, `Request body too large (limit ${MAX_BODY_BYTES} bytes)`);
  return bytes.toString('utf8');
}

export interface LoginForm {
  username: string;
  password: string;
}

export const mediaType = (event: HttpEvent) => header(event, 'content-type')?.split(';')[0].trim().toLowerCase();

/** The fields of a form or JSON body: 415, 413 or FastAPI-shaped 422 when there are none to read. */
export function bodyFields(event: HttpEvent): Record<string, unknown> {
  const type = mediaType(event);
  const text = bodyText(event);
  if (type === 'application/x-www-form-urlencoded' || (type === undefined && text.length === 0)) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (type === 'application/json') return parseJsonObject(text);
  throw new HttpError(415, 'Unsupported media type: use application/x-www-form-urlencoded or application/json');
}

/** `current_password` and `new_password` of POST /auth/password, from a form or JSON body (422 when missing). */
export function parsePasswordChange(event: HttpEvent): { currentPassword: string; newPassword: string } {
  const fields = bodyFields(event);
  const issues: ValidationIssue[] = [];
  const currentPassword = stringField(fields, 'current_password', issues);
  const newPassword = stringField(fields, 'new_password', issues);
  if (issues.length > 0) throw validationFailed(issues);
  return { currentPassword: currentPassword!, newPassword: newPassword! };
}

/** A username field in its canonical form (FastAPI-shaped 422 when missing or refused). */
function usernameField(fields: Record<string, unknown>, issues: ValidationIssue[]): string | undefined {
  const raw = stringField(fields, 'username', issues);
  const canonical = raw === undefined ? undefined : canonicalUsername(raw);
  if (canonical && 'problem' in canonical) issues.push(usernameIssue(canonical.problem));
  return canonical && 'username' in canonical ? canonical.username : undefined;
}

/** `username` of POST /auth/password/forgot and /auth/email/verify/resend. */
export function parseUsernameRequest(event: HttpEvent): { username: string } {
  const fields = bodyFields(event);
  const issues: ValidationIssue[] = [];
  const username = usernameField(fields, issues);
  if (issues.length > 0) throw validationFailed(issues);
  return { username: username! };
}

/** `token` (and for a reset `new_password`) of POST /auth/password/reset and /auth/email/verify. */
export function parseTokenRequest(event: HttpEvent, { withPassword }: { withPassword: boolean }) {
  const fields = bodyFields(event);
  const issues: ValidationIssue[] = [];
  const token = stringField(fields, 'token', issues);
  const newPassword = withPassword ? stringField(fields, 'new_password', issues) : '';
  if (issues.length > 0) throw validationFailed(issues);
  return { token: token!, newPassword: newPassword! };
}

/** Long enough for any real address (RFC 5321's path limit), short enough for a key-sized item. */
const MAX_EMAIL_LENGTH = 254;
const MAX_FULL_NAME_LENGTH = 256;

/** The fields of POST /auth/signup: `username`, `password`, `email`, optional `full_name`. */
export function parseSignup(event: HttpEvent): {
  username: string;
  password: string;
  email: string;
  fullName?: string;
} {
  const fields = bodyFields(event);
  const issues: ValidationIssue[] = [];
  const username = usernameField(fields, issues);
  const password = stringField(fields, 'password', issues);
  const email = stringField(fields, 'email', issues)?.trim();
  // A pragmatic check, not RFC 5322: one @, something on each side, a dot in the domain, no spaces.
  if (email !== undefined && (email.length > MAX_EMAIL_LENGTH || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) {
    issues.push({
      type: 'value_error',
      loc: ['body', 'email'],
      msg: 'Value error, value is not a valid email address',
    });
  }
  let fullName: string | undefined;
  if (fields.full_name !== undefined && fields.full_name !== null && fields.full_name !== '') {
    if (typeof fields.full_name !== 'string') {
      issues.push({ type: 'string_type', loc: ['body', 'full_name'], msg: 'Input should be a valid string' });
    } else if ([...fields.full_name].length > MAX_FULL_NAME_LENGTH) {
      issues.push({
        type: 'string_too_long',
        loc: ['body', 'full_name'],
        msg: `String should have at most ${MAX_FULL_NAME_LENGTH} characters`,
        ctx: { max_length: MAX_FULL_NAME_LENGTH },
      });
    } else fullName = fields.full_name;
  }
  if (issues.length > 0) throw validationFailed(issues);
  return { username: username!, password: password!, email: email!, ...(fullName ? { fullName } : {}) };
}

/** Reads the login fields from a form or JSON body: 415, 413 or FastAPI-shaped 422 when it cannot. */
export function parseLoginForm(event: HttpEvent): LoginForm {
  const fields = bodyFields(event);
  const issues: ValidationIssue[] = [];
  const username = stringField(fields, 'username', issues);
  const password = stringField(fields, 'password', issues);
  if (fields.grant_type !== undefined && fields.grant_type !== 'password') {
    issues.push({
      type: 'string_pattern_mismatch',
      loc: ['body', 'grant_type'],
      msg: "String should match pattern '^password$'",
      ctx: { pattern: '^password$' },
    });
  }
  const canonical = username === undefined ? undefined : canonicalUsername(username);
  if (canonical && 'problem' in canonical) issues.push(usernameIssue(canonical.problem));
  if (issues.length > 0) throw validationFailed(issues);
  return { username: (canonical as { username: string }).username, password: password! };
}

/** A refused username in FastAPI's 422 shape: pydantic's own type for the length, `value_error` for the rest. */
function usernameIssue(problem: UsernameProblem): ValidationIssue {
  if (problem === 'too_long') {
    return {
      type: 'string_too_long',
      loc: ['body', 'username'],
      msg: `String should have at most ${MAX_USERNAME_LENGTH} characters`,
      ctx: { max_length: MAX_USERNAME_LENGTH },
    };
  }
  return { type: 'value_error', loc: ['body', 'username'], msg: `Value error, ${USERNAME_PROBLEMS[problem]}` };
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw validationFailed([{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error' }]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationFailed([
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
      },
    ]);
  }
  return value as Record<string, unknown>;
}

export function stringField(
  fields: Record<string, unknown>,
  name: string,
  issues: ValidationIssue[],
): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') {
    issues.push({ type: 'missing', loc: ['body', name], msg: 'Field required' });
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.push({ type: 'string_type', loc: ['body', name], msg: 'Input should be a valid string' });
    return undefined;
  }
  return value;
}
