/**
 * Scopes (docs/authorization-server.md "Scopes"): four built in, the rest declared by the deployment
 * (context `scopes`, env SCOPES) with the text the consent page shows. A request names a set; it is
 * granted whole or refused with `invalid_scope`, never silently narrowed (RFC 6749 §3.3 allows
 * narrowing, but a client that asked for `orders:write` and silently got less fails later and
 * further from the cause).
 */
import { OAuthRuleError } from './oauth-rules';

/** OpenID Connect's scopes; `offline_access` is accepted and changes nothing (refresh follows the client's grants). */
export const BUILT_IN_SCOPES: Readonly<Record<string, string>> = {
  openid: 'Sign you in',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay signed in',
};

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export const isScopeToken = (name: string) => name.length <= 128 && SCOPE_TOKEN.test(name);

/**
 * The declared scopes of SCOPES (a JSON object `{"orders:read": "Read your orders"}`), with the built-in
 * ones: a problem is thrown as a message naming it (the config loader's error).
 */
export function declaredScopes(text: string | undefined): Record<string, string> {
  if (!text) return { ...BUILT_IN_SCOPES };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('SCOPES must be a JSON object of scope names to the text the consent page shows');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('SCOPES must be a JSON object of scope names to the text the consent page shows');
  for (const [name, text] of Object.entries(parsed)) {
    if (!isScopeToken(name)) throw new Error(`SCOPES: "${name}" is not a scope name (RFC 6749 §3.3)`);
    if (name in BUILT_IN_SCOPES) throw new Error(`SCOPES: "${name}" is built in and cannot be declared`);
    if (typeof text !== 'string' || text.trim() === '' || text.length > 200)
      throw new Error(`SCOPES: the text of "${name}" must be 1 to 200 characters`);
  }
  return { ...BUILT_IN_SCOPES, ...(parsed as Record<string, string>) };
}

/** The scope parameter as a set of names (undefined when absent or blank); a malformed one is `invalid_scope`. */
export function parseScope(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(' ').filter((s) => s !== '');
  if (names.length === 0) return undefined;
  if (names.some((n) => !isScopeToken(n))) throw new OAuthRuleError('invalid_scope', 'scope is malformed');
  return [...new Set(names)];
}

/**
 * What a request for `requested` is granted: every name declared and allowed to the client, or
 * `invalid_scope` naming the first that is not; none requested means the client's defaults.
 */
export function grantScope(
  requested: string[] | undefined,
  client: { scopes: readonly string[]; defaultScopes: readonly string[] },
  declared: Readonly<Record<string, string>>,
): string[] {
  if (requested === undefined) return [...client.defaultScopes];
  for (const name of requested) {
    if (!(name in declared)) throw new OAuthRuleError('invalid_scope', `scope ${name} is not declared`);
    if (!client.scopes.includes(name))
      throw new OAuthRuleError('invalid_scope', `scope ${name} is not allowed to this client`);
  }
  return requested;
}

/** A refresh may name a subset of its session's scope and nothing else (RFC 6749 §6). */
export function narrowScope(requested: string[] | undefined, granted: readonly string[]): string[] {
  if (requested === undefined) return [...granted];
  const outside = requested.find((name) => !granted.includes(name));
  if (outside) throw new OAuthRuleError('invalid_scope', `scope ${outside} was not granted to this session`);
  return requested;
}

/** The wire form: names joined by one space ("" for none, RFC 6749 §5.1's `scope`). */
export const scopeText = (names: readonly string[] | undefined) => (names ?? []).join(' ');
