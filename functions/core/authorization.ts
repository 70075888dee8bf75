import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Client } from './clients';
import { redirectUriMatches } from './clients';
import { OAuthRuleError } from './oauth-rules';
import { grantScope, parseScope } from './scopes';

/**
 * GET /oauth2/authorize's request rules (docs/authorization-server.md "GET /oauth2/authorize"), PKCE,
 * and the authorization response's URL. No I/O: the client is looked up by the caller.
 */
export type Prompt = 'none' | 'login' | 'consent';

/** A request that passed every rule, as the pending authorization keeps it. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state?: string;
  scope: string[];
  nonce?: string;
  prompt?: Prompt;
  maxAge?: number;
  loginHint?: string;
}

/** What a request comes to: a 400 page (never a redirect), an error sent to the redirect URI, or a request. */
export type AuthorizeCheck =
  | { page: string }
  | { redirect: { redirectUri: string; state?: string; error: string; description: string }; dynamic: boolean }
  | { request: AuthorizationRequest; client: Client };

const PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
  'scope',
  'nonce',
  'prompt',
  'max_age',
  'login_hint',
  'resource',
  'request',
  'request_uri',
] as const;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
export const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** The query's parameters, each at most once (RFC 6749 §3.1); the repeated ones named. */
export function queryParameters(query: URLSearchParams): { params: Map<string, string>; repeated: string[] } {
  const params = new Map<string, string>();
  const repeated: string[] = [];
  for (const [name, value] of query) {
    if (!(PARAMETERS as readonly string[]).includes(name)) continue; // others are ignored (§3.1)
    if (params.has(name)) repeated.push(name);
    params.set(name, value);
  }
  return { params, repeated };
}

/**
 * Checks an authorization request in the contract's order. A missing, unknown or repeated client or
 * redirect URI is a page: redirecting would send the browser wherever the request said (RFC 6749
 * §4.1.2.1). Every other fault goes back to the (now trusted) redirect URI, except for dynamically
 * registered clients, whose pre-consent errors are shown instead (RFC 9700 §4.11.2).
 */
export function checkAuthorizeRequest(
  { params, repeated }: { params: Map<string, string>; repeated: string[] },
  client: Client | undefined,
  { scopes, audience }: { scopes: Readonly<Record<string, string>>; audience: string },
): AuthorizeCheck {
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  if (repeated.includes('client_id') || repeated.includes('redirect_uri'))
    return { page: 'The request names its client or redirect URI more than once.' };
  if (!clientId) return { page: 'The request names no client (client_id is missing).' };
  if (!client) return { page: 'The application is not registered here (unknown client_id).' };
  if (!redirectUri) return { page: 'The request has no redirect_uri (it is required).' };
  if (!redirectUriMatches(client.redirectUris, redirectUri))
    return { page: 'The redirect_uri is not registered for this application.' };

  const state = params.get('state');
  const fail = (error: string, description: string): AuthorizeCheck => ({
    redirect: { redirectUri, ...(state !== undefined && state.length <= 1024 ? { state } : {}), error, description },
    dynamic: client.source === 'dcr',
  });
  if (repeated.length > 0) return fail('invalid_request', `parameter ${repeated[0]} is repeated`);
  if (params.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  if (params.has('request')) return fail('request_not_supported', 'request objects are not supported');
  if (params.has('request_uri')) return fail('request_uri_not_supported', 'request_uri is not supported');
  const challenge = params.get('code_challenge');
  if (!challenge || !CHALLENGE.test(challenge))
    return fail('invalid_request', 'code_challenge is required: 43 base64url characters (PKCE, S256)');
  if (params.get('code_challenge_method') !== 'S256')
    return fail('invalid_request', 'code_challenge_method must be S256');
  if (!client.grantTypes.includes('authorization_code'))
    return fail('unauthorized_client', 'this client may not use the authorization code flow');
  if (state !== undefined && state.length > 1024) return fail('invalid_request', 'state is over 1024 characters');
  const nonce = params.get('nonce');
  if (nonce !== undefined && nonce.length > 256) return fail('invalid_request', 'nonce is over 256 characters');
  const loginHint = params.get('login_hint');
  if (loginHint !== undefined && loginHint.length > 128)
    return fail('invalid_request', 'login_hint is over 128 characters');
  let scope: string[];
  try {
    scope = grantScope(parseScope(params.get('scope')), client, scopes);
  } catch (err) {
    if (err instanceof OAuthRuleError) return fail(err.error, err.description);
    throw err;
  }
  const resource = params.get('resource');
  if (resource !== undefined && resource !== audience)
    return fail('invalid_target', 'resource must be this API (its token audience)');
  const prompt = promptOf(params.get('prompt'));
  if (prompt === 'invalid') return fail('invalid_request', 'prompt must be none, login, consent or select_account');
  const maxAgeText = params.get('max_age');
  if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText))
    return fail('invalid_request', 'max_age must be a whole number of seconds');
  return {
    client,
    request: {
      clientId,
      redirectUri,
      codeChallenge: challenge,
      scope,
      ...(state !== undefined ? { state } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
      ...(prompt ? { prompt } : {}),
      ...(maxAgeText !== undefined ? { maxAge: Number(maxAgeText) } : {}),
      ...(loginHint !== undefined ? { loginHint } : {}),
    },
  };
}

/** `select_account` is `login` here (one account per browser); several values are refused. */
function promptOf(value: string | undefined): Prompt | undefined | 'invalid' {
  if (value === undefined) return undefined;
  if (value === 'select_account') return 'login';
  return value === 'none' || value === 'login' || value === 'consent' ? value : 'invalid';
}

/**
 * The redirect URI with the response's parameters (RFC 6749 §4.1.2; `iss` per RFC 9207), joined with
 * `&` when the registered URI has a query (§3.1.2).
 */
export function responseUrl(redirectUri: string, fields: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) query.set(name, value);
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query}`;
}

/** BASE64URL(SHA-256(verifier)) equals the challenge (RFC 7636 §4.6), compared in constant time. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/** A new code (256 random bits) and the hash its item is keyed by. */
export function newCode(): { code: string; hash: string } {
  const code = randomBytes(32).toString('base64url');
  return { code, hash: codeHash(code) };
}

export const codeHash = (code: string) => createHash('sha256').update(code, 'utf8').digest('base64url');

/** A code as presented: 43 base64url characters, else nothing is looked up. */
export const isCode = (value: string) => /^[A-Za-z0-9_-]{43}$/.test(value);
