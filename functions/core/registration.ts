import { randomBytes } from 'node:crypto';
import type { Audit, RequestMeta } from './audit';
import { type Client, MAX_REDIRECT_URIS, redirectUriProblem } from './clients';
import { windowRetryAfter } from './lockout';
import { OAuthRuleError } from './oauth-rules';
import type { AccountStore } from './ports';

/** What a registration answers (RFC 7591 §3.2.1). */
export interface RegisteredClient {
  client_id: string;
  client_id_issued_at: number;
  client_name: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: 'none';
  scope: string;
}

export interface RegistrationSettings {
  ipMaxPerHour: number;
  /** DCR_SCOPES: what a registered client may ask for (and gets when it names none). */
  scopes: readonly string[];
}

const HOUR_MS = 3_600_000;
const GRANTS = ['authorization_code', 'refresh_token'];

const metadataError = (description: string) => new OAuthRuleError('invalid_client_metadata', description);

/**
 * Dynamic client registration (RFC 7591; docs/authorization-server.md): public, third-party,
 * unverified clients only (what an MCP client or any app can be), whose id is 22 random characters
 * (the registrant chooses nothing that could pass for a user, RFC 9700 §4.15). The metadata is
 * checked before anything is written; a place in the source IP's hourly count follows, then one
 * conditional put. No management API (RFC 7592).
 */
export async function registerClient(
  body: unknown,
  meta: RequestMeta,
  deps: {
    counts: Pick<AccountStore, 'takeCountPlace'>;
    clients: { putClient(client: Client, options: { overwrite: boolean }): Promise<boolean> };
    settings: RegistrationSettings;
    audit: Audit;
    now?: () => number;
  },
): Promise<RegisteredClient> {
  const request = registrationRequest(body, deps.settings);
  const nowMs = (deps.now ?? Date.now)();
  const taken = await deps.counts.takeCountPlace(
    { kind: 'ip', ip: meta.sourceIp ?? 'unknown', scope: 'client_registration' },
    { at: nowMs, windowMs: HOUR_MS, maxFailures: deps.settings.ipMaxPerHour - 1 },
  );
  if (!taken.placed)
    throw new OAuthRuleError(
      'slow_down',
      'Too many registrations',
      false,
      windowRetryAfter(taken.record, HOUR_MS, nowMs),
    );
  const id = randomBytes(16).toString('base64url');
  const client: Client = {
    id,
    type: 'public',
    name: request.name,
    redirectUris: request.redirectUris,
    postLogoutRedirectUris: [],
    grantTypes: request.grantTypes,
    scopes: request.scopes,
    defaultScopes: request.scopes,
    firstParty: false,
    source: 'dcr',
    createdAt: nowMs,
  };
  // 128 random bits: a collision is not going to happen, and the condition would refuse it anyway.
  if (!(await deps.clients.putClient(client, { overwrite: false }))) throw new Error('client id collision');
  deps.audit('client_registered', { client_id: id, ...meta });
  return {
    client_id: id,
    client_id_issued_at: Math.floor(nowMs / 1000),
    client_name: request.name,
    redirect_uris: request.redirectUris,
    grant_types: request.grantTypes,
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: request.scopes.join(' '),
  };
}

/** The metadata a registration may set (RFC 7591 §2); other members are ignored and not echoed. */
function registrationRequest(body: unknown, settings: RegistrationSettings) {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw metadataError('the body must be a JSON object of client metadata');
  const m = body as Record<string, unknown>;
  if (m.software_statement !== undefined)
    throw new OAuthRuleError('invalid_software_statement', 'software statements are not accepted');
  const uris = m.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.some((u) => typeof u !== 'string'))
    throw new OAuthRuleError('invalid_redirect_uri', 'redirect_uris must be a non-empty array of strings');
  if (uris.length > MAX_REDIRECT_URIS)
    throw new OAuthRuleError('invalid_redirect_uri', `at most ${MAX_REDIRECT_URIS} redirect URIs`);
  const problem = (uris as string[]).map(redirectUriProblem).find(Boolean);
  if (problem) throw new OAuthRuleError('invalid_redirect_uri', problem.replace(/[^\x20-\x7e]/g, '?').slice(0, 200));
  const name = m.client_name ?? 'Unnamed application';
  if (typeof name !== 'string' || name.length < 1 || name.length > 100)
    throw metadataError('client_name must be 1 to 100 characters');
  if (m.token_endpoint_auth_method !== undefined && m.token_endpoint_auth_method !== 'none')
    throw metadataError('token_endpoint_auth_method must be none: registered clients are public');
  const grantTypes = m.grant_types ?? GRANTS;
  if (!Array.isArray(grantTypes) || grantTypes.length === 0 || grantTypes.some((g) => !GRANTS.includes(g as string)))
    throw metadataError('grant_types may hold authorization_code and refresh_token only');
  if (!grantTypes.includes('authorization_code')) throw metadataError('grant_types must include authorization_code');
  const responseTypes = m.response_types ?? ['code'];
  if (!Array.isArray(responseTypes) || responseTypes.some((r) => r !== 'code'))
    throw metadataError('response_types may hold code only');
  const scopeText = m.scope ?? settings.scopes.join(' ');
  if (typeof scopeText !== 'string') throw metadataError('scope must be a string');
  const scopes = [...new Set(scopeText.split(' ').filter(Boolean))];
  const outside = scopes.find((s) => !settings.scopes.includes(s));
  if (outside) throw metadataError(`scope ${outside.slice(0, 64)} may not be registered`);
  return { redirectUris: uris as string[], name, grantTypes: grantTypes as string[], scopes };
}
