import type { AttemptLimiter } from './attempts';
import type { Audit, RequestMeta } from './audit';
import { type Client, defaultClient, FIRST_PARTY_GRANTS, secretMatches, unauthorizedClient } from './clients';
import { OAuthRuleError } from './oauth-rules';

/** The registry's items (functions/store/client-store.ts; an in-memory one in the tests). */
export interface ClientStore {
  getClient(id: string): Promise<Client | undefined>;
}

/** What a request to /oauth2/token or /oauth2/revoke says about its client (functions/http/client-auth.ts). */
export interface ClientCredentials {
  clientId?: string;
  secret?: string;
  /** How the secret came: HTTP Basic (a refusal then carries `WWW-Authenticate: Basic`) or the body. */
  method: 'none' | 'basic' | 'post';
}

/** The client a request acts for: `registered` false for the default client's rules under an unregistered id. */
export interface ResolvedClient {
  client: Client;
  registered: boolean;
}

export interface RegistrySettings {
  defaultClientId: string;
  scopes: Readonly<Record<string, string>>;
  /** ALLOW_UNREGISTERED_CLIENTS: an unknown id gets the default client's rules for these grants. */
  allowUnregisteredClients: boolean;
  /** CLIENT_CACHE_SECONDS (0 to 60, default 60): how long a function keeps a client it read. */
  clientCacheSeconds?: number;
}

/** The grants an unregistered id may still use (and revocation): today's, under the default client's rules. */
const UNREGISTERED_GRANTS = new Set(['refresh_token', 'revoke', ...FIRST_PARTY_GRANTS]);
/**
 * Finds clients (cached per process) and authenticates them (RFC 6749 §2.3): public clients send
 * their id and no secret; confidential ones a secret by Basic or in the body, never both. A wrong
 * secret takes a place in the source IP's failure count (no per-client lock: anyone could lock a
 * client out) and is audited; the answer is `invalid_client` whatever went wrong.
 */
export class ClientRegistry {
  private readonly cache = new Map<string, { found: ResolvedClient | undefined; until: number }>();

  constructor(
    private readonly store: ClientStore,
    readonly settings: RegistrySettings,
    private readonly attempts: AttemptLimiter | undefined,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
  ) {}

  /** The client with this id: its item, else the built-in default client for the default id, else undefined. */
  async find(id: string): Promise<Client | undefined> {
    return (await this.lookUp(id))?.client;
  }

  /**
   * The item, or the default client's built-in rules. `registered` is false for the default id: its
   * sessions are today's, refreshed with or without naming it, declared or not.
   */
  private async lookUp(id: string): Promise<ResolvedClient | undefined> {
    const nowMs = this.now();
    const cached = this.cache.get(id);
    if (cached && cached.until > nowMs) return cached.found;
    const stored = await this.store.getClient(id);
    const isDefault = id === this.settings.defaultClientId;
    const found: ResolvedClient | undefined = stored
      ? { client: stored, registered: !isDefault }
      : isDefault
        ? { client: defaultClient(id, this.settings.scopes), registered: false }
        : undefined;
    this.cache.set(id, { found, until: nowMs + (this.settings.clientCacheSeconds ?? 60) * 1000 });
    return found;
  }

  /**
   * The client behind `credentials`, authenticated and allowed `grant` (`revoke` for revocation):
   * `invalid_client` (401) or `unauthorized_client` (400) otherwise.
   */
  async authenticate(credentials: ClientCredentials, grant: string, meta: RequestMeta): Promise<ResolvedClient> {
    const id = credentials.clientId ?? this.settings.defaultClientId;
    const resolved = await this.lookUp(id);
    const found = resolved?.client;
    const basic = credentials.method === 'basic';
    if (!found) {
      if (this.settings.allowUnregisteredClients && UNREGISTERED_GRANTS.has(grant) && !credentials.secret)
        return { client: { ...defaultClient(id, this.settings.scopes), name: id }, registered: false };
      return this.refuse(id, 'unknown_client', basic, meta);
    }
    if (found.type === 'public' && credentials.secret) return this.refuse(id, 'secret_for_public_client', basic, meta);
    if (found.type === 'confidential' && !credentials.secret) return this.refuse(id, 'no_secret', basic, meta);
    if (found.type === 'confidential' && !secretMatches(found, credentials.secret!, this.now())) {
      // The failure counts against the source IP: a place taken and kept, as a wrong password's is.
      const [, reservation] = this.attempts
        ? await this.attempts.reserveIpBeside(Promise.resolve(), meta.sourceIp ?? 'unknown')
        : [undefined, undefined];
      if (reservation && 'retryAfter' in reservation)
        throw new OAuthRuleError('slow_down', 'Too many failed attempts', false, reservation.retryAfter);
      return this.refuse(id, 'bad_secret', basic, meta);
    }
    if (grant !== 'revoke' && !found.grantTypes.includes(grant)) throw unauthorizedClient(grant);
    return resolved!;
  }

  private refuse(clientId: string, reason: string, basic: boolean, meta: RequestMeta): never {
    this.audit('client_auth_failed', { client_id: clientId, reason, ...meta });
    throw new OAuthRuleError('invalid_client', 'Client authentication failed', basic);
  }
}
