import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { audienceFrom } from './config';
import { OAuthRuleError } from './oauth-rules';

/**
 * The client registry's rules (docs/authorization-server.md "Clients"): what a client is, what may be
 * written, how a redirect URI matches, and client secrets. The items are `CLIENT#<id>`
 * (functions/store/client-store.ts).
 */
export type ClientType = 'public' | 'confidential';
export type ClientSource = 'stack' | 'cli' | 'dcr';

export const MFA_GRANT = 'urn:serverless-auth-api:params:oauth:grant-type:mfa';
export const PASSKEY_GRANT = 'urn:serverless-auth-api:params:oauth:grant-type:passkey';
export const GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
  MFA_GRANT,
  PASSKEY_GRANT,
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];
/** The grants that hand a client the user's credentials: first-party clients only (RFC 9700 §2.4). */
export const FIRST_PARTY_GRANTS: readonly string[] = ['password', MFA_GRANT, PASSKEY_GRANT];

export interface SecretHash {
  hash: string;
  createdAt: number;
  /** A replaced secret's end (rotate-secret's grace); absent: valid until replaced. */
  validUntil?: number;
}

export interface Client {
  id: string;
  type: ClientType;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  defaultScopes: string[];
  firstParty: boolean;
  source: ClientSource;
  secretHashes?: SecretHash[];
  createdAt: number;
}

/** What a declaration (context, CLI, registration) gives; the rest is filled in. */
export type ClientDeclaration = Omit<Client, 'source' | 'secretHashes' | 'createdAt' | 'postLogoutRedirectUris'> & {
  postLogoutRedirectUris?: string[];
};

/** RFC 6749's unreserved characters, 1 to 64 of them. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:']);
export const MAX_REDIRECT_URIS = 10;

/**
 * Why a redirect URI cannot be registered, if it cannot: absolute, no fragment, and `https:`, `http:`
 * on a loopback host (RFC 8252 §7.3; RFC 9700 §2.6 forbids other `http:`), or a private-use scheme with
 * a dot (RFC 8252 §7.1).
 */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${uri} is not an absolute URI`;
  }
  if (uri.includes('#')) return `${uri} has a fragment`;
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `${uri} has a forbidden scheme`;
  if (url.protocol === 'https:') return url.host ? undefined : `${uri} has no host`;
  if (url.protocol === 'http:')
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : `${uri}: http is allowed only on a loopback host`;
  return url.protocol.slice(0, -1).includes('.')
    ? undefined
    : `${uri}: a private-use scheme must contain a dot (reverse domain name)`;
}

/** A loopback `http:` URI's authority with a port, as written (case kept: matching is exact). */
const LOOPBACK_WITH_PORT = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost):\d{1,5}(?=[/?]|$)/;

/**
 * Exact string comparison, except that a registered loopback `http:` URI matches any port (RFC 8252
 * §7.3: the native app's OS picks the port). Compared as text, not parsed URLs: parsing normalises
 * what exact matching must not (case, dot segments, default ports).
 */
export function redirectUriMatches(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  const portless = presented.replace(LOOPBACK_WITH_PORT, 'http://$1');
  return portless !== presented && registered.includes(portless);
}

/**
 * Every problem with a client about to be written (docs/authorization-server.md "Clients"). Its id may
 * not be the access tokens' audience: an ID token's `aud` is its client's id, and API Gateway's JWT
 * authorizer would take such a token for an access token.
 */
export function clientProblems(
  client: ClientDeclaration,
  declared: Readonly<Record<string, string>>,
  audience = audienceFrom(),
): string[] {
  const problems: string[] = [];
  if (!CLIENT_ID_PATTERN.test(client.id)) problems.push('client_id must be 1 to 64 of A-Z a-z 0-9 . _ ~ -');
  if (client.id === audience) problems.push('client_id must not be the token audience (TOKEN_AUDIENCE)');
  if (client.type !== 'public' && client.type !== 'confidential') problems.push('type must be public or confidential');
  if (typeof client.name !== 'string' || client.name.length < 1 || client.name.length > 100)
    problems.push('name must be 1 to 100 characters');
  const uris = [...client.redirectUris, ...(client.postLogoutRedirectUris ?? [])];
  if (client.redirectUris.length > MAX_REDIRECT_URIS) problems.push(`at most ${MAX_REDIRECT_URIS} redirect URIs`);
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) problems.push(problem);
  }
  for (const grant of client.grantTypes)
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) problems.push(`unknown grant type ${grant}`);
  if (client.grantTypes.includes('client_credentials') && client.type !== 'confidential')
    problems.push('client_credentials is for confidential clients only');
  for (const grant of FIRST_PARTY_GRANTS)
    if (client.grantTypes.includes(grant) && !client.firstParty)
      problems.push(`${grant} is for first-party clients only`);
  if (client.grantTypes.includes('authorization_code') && client.redirectUris.length === 0)
    problems.push('authorization_code needs a redirect URI');
  for (const scope of client.scopes) if (!(scope in declared)) problems.push(`scope ${scope} is not declared`);
  for (const scope of client.defaultScopes)
    if (!client.scopes.includes(scope)) problems.push(`default scope ${scope} is not among the client's scopes`);
  return problems;
}

/**
 * The default client (`DEFAULT_CLIENT_ID`, `web`) when no item declares it: public, first-party, the
 * password, refresh and our two grants, every declared scope, none by default (today's routes).
 */
export function defaultClient(id: string, declared: Readonly<Record<string, string>>): Client {
  return {
    id,
    type: 'public',
    name: 'Default client',
    redirectUris: [],
    postLogoutRedirectUris: [],
    grantTypes: ['password', 'refresh_token', MFA_GRANT, PASSKEY_GRANT],
    scopes: Object.keys(declared),
    defaultScopes: [],
    firstParty: true,
    source: 'stack',
    createdAt: 0,
  };
}

/** 256 random bits made here, shown once; only its SHA-256 is stored (nothing to guess, so no slow hash). */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: secretHash(secret) };
}

export const secretHash = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('base64url');

/** Whether `secret` is one of the client's live secrets, compared in constant time. */
export function secretMatches(client: Client, secret: string, nowMs: number): boolean {
  const presented = Buffer.from(secretHash(secret));
  let matched = false;
  for (const stored of client.secretHashes ?? []) {
    if (stored.validUntil !== undefined && stored.validUntil <= nowMs) continue;
    const expected = Buffer.from(stored.hash);
    if (expected.length === presented.length && timingSafeEqual(expected, presented)) matched = true;
  }
  return matched;
}

/** The refusal of a grant the client was not given (RFC 6749 §5.2). */
export const unauthorizedClient = (grant: string) =>
  new OAuthRuleError('unauthorized_client', `this client may not use the ${grant} grant`);
