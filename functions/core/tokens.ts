import { randomBytes } from 'node:crypto';
import {
  type CryptoKey,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { ServiceUnavailableError } from './errors';
import { ACCESS_TOKEN_ALG } from './keys';

export type TokenType = 'access' | 'refresh';

/**
 * The claims of a verified token (docs/http-contract.md "Tokens"). `iat` and `exp` are JWT
 * NumericDates (epoch seconds), as on the wire; the domain reads instants from the session.
 */
export interface TokenClaims {
  sub: string;
  type: TokenType;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  /** Access tokens only (RFC 9068): the client the session was opened for. */
  client_id?: string;
  /** Access tokens only (RFC 9068 §2.2.3): the granted scopes, space-separated; absent when none. */
  scope?: string;
}

/** Why a token was refused; callers turn every reason into the same 401 for their route. */
export class TokenError extends Error {
  constructor(readonly reason: string) {
    super(`token rejected: ${reason}`);
    this.name = 'TokenError';
  }
}

/**
 * The keys tokens are signed and verified with, implemented by functions/store/keys.ts (fetched
 * from Secrets Manager or the environment, cached, imported once). Any of them may throw
 * ServiceUnavailableError when its source cannot be read or holds no usable key.
 */
export interface TokenKeys {
  /** The HS256 key of refresh tokens (never published). */
  refreshKey(): Promise<CryptoKey>;
  /** The private key that signs access tokens now, with its `kid`. */
  signingKey(): Promise<{ kid: string; key: CryptoKey }>;
  /** The published public key with this `kid`, or undefined when no such key is published. */
  verificationKey(kid: string): Promise<CryptoKey | undefined>;
}

/** What a new token says. Instants are epoch ms (cut to whole seconds in the token). */
export interface TokenToSign {
  type: TokenType;
  sub: string;
  sid: string;
  jti: string;
  /** Injectable so that a successor can be re-made byte for byte. */
  issuedAt: number;
  /** Defaults to `issuedAt` plus the type's configured lifetime. */
  expiresAt?: number;
  /** Access tokens: the `client_id` claim (default `defaultClientId`). */
  clientId?: string;
  /** Access tokens: the `scope` claim, when any is granted. */
  scope?: readonly string[];
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  defaultClientId: string;
}

const REFRESH_ALG = 'HS256';
/** Header parameters that would let a token name its own key: never honoured, so refused outright. */
const KEY_BEARING_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const;

/** 128 random bits, URL-safe: token ids (`jti`) and session ids (`sid`). */
export const newId = (): string => randomBytes(16).toString('base64url');

/** Session and token ids are exactly 22 base64url characters; anything else is refused unread. */
export const isId = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]{22}$/.test(value);

/**
 * Signs and verifies our JWTs. Access tokens are RS256 with a `kid` and `typ: at+jwt` (RFC 9068),
 * verifiable by anyone from the published key set; refresh tokens are HS256 under a secret only
 * this API holds. Each kind pins its algorithm, so neither can pass for the other, and a public key
 * can never be used as an HMAC secret.
 */
export class TokenService {
  constructor(
    private readonly keys: TokenKeys,
    private readonly settings: TokenSettings,
  ) {}

  /** The `client_id` of sessions whose login named none. */
  get defaultClientId(): string {
    return this.settings.defaultClientId;
  }

  /** Signs a token of the given type. */
  async sign({ type, sub, sid, jti, issuedAt, expiresAt, clientId, scope }: TokenToSign): Promise<string> {
    const ttl = type === 'access' ? this.settings.accessTokenTtl : this.settings.refreshTokenTtl;
    const iat = Math.floor(issuedAt / 1000);
    const exp = expiresAt === undefined ? iat + ttl : Math.floor(expiresAt / 1000);
    const scopeClaim = scope && scope.length > 0 ? { scope: scope.join(' ') } : {};
    const claims =
      type === 'access'
        ? { sid, client_id: clientId ?? this.settings.defaultClientId, ...scopeClaim }
        : { type: 'refresh', sid };
    return this.signClaims(type, claims, { sub, jti, iat, exp });
  }

  /**
   * A client_credentials access token (RFC 9068 §2.2): `sub` and `client_id` the client, its `scope`,
   * and no `sid`: it belongs to no session, so every route that checks one refuses it (verify below
   * requires a `sid`), while API Gateway's JWT authorizer, which checks only the signature, `iss`,
   * `aud`, `exp` and scopes, accepts it for a team's machine-to-machine routes.
   */
  async signClientToken({
    clientId,
    scope,
    issuedAt,
  }: {
    clientId: string;
    scope: readonly string[];
    issuedAt: number;
  }) {
    const iat = Math.floor(issuedAt / 1000);
    const claims = { client_id: clientId, ...(scope.length > 0 ? { scope: scope.join(' ') } : {}) };
    return this.signClaims('access', claims, {
      sub: clientId,
      jti: newId(),
      iat,
      exp: iat + this.settings.accessTokenTtl,
    });
  }

  /**
   * An OpenID Connect ID token (OIDC Core §2): RS256 with the access tokens' keys, `typ: JWT`, `aud` the
   * client. Its `typ` and `aud` keep it from passing as an access token here or at API Gateway's JWT
   * authorizer (whose audience is TOKEN_AUDIENCE).
   */
  async signIdToken(t: {
    sub: string;
    clientId: string;
    authTime: number;
    nonce?: string;
    amr?: readonly string[];
    issuedAt: number;
  }): Promise<string> {
    const iat = Math.floor(t.issuedAt / 1000);
    const { kid, key } = await this.keys.signingKey();
    return new SignJWT({
      auth_time: Math.floor(t.authTime / 1000),
      ...(t.nonce !== undefined ? { nonce: t.nonce } : {}),
      ...(t.amr?.length ? { amr: [...t.amr] } : {}),
    })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: 'JWT' })
      .setSubject(t.sub)
      .setIssuer(this.settings.issuer)
      .setAudience(t.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.settings.accessTokenTtl)
      .sign(key);
  }

  /**
   * The `aud` of a genuine ID token this API signed: logout's `id_token_hint`, which may have expired
   * (OIDC RP-Initiated Logout §2), so its `exp` is read as of the epoch.
   */
  async idTokenAudience(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.accessKey(header), {
        issuer: this.settings.issuer,
        algorithms: [ACCESS_TOKEN_ALG],
        typ: 'JWT',
        currentDate: new Date(0),
      });
      return typeof payload.aud === 'string' ? payload.aud : undefined;
    } catch (err) {
      if (err instanceof ServiceUnavailableError) throw err;
      return undefined;
    }
  }

  private async signClaims(
    type: TokenType,
    claims: Record<string, unknown>,
    { sub, jti, iat, exp }: { sub: string; jti: string; iat: number; exp: number },
  ): Promise<string> {
    const jwt = new SignJWT(claims)
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience);
    if (type === 'refresh')
      return jwt.setProtectedHeader({ alg: REFRESH_ALG, typ: 'JWT' }).sign(await this.keys.refreshKey());
    const { kid, key } = await this.keys.signingKey();
    return jwt.setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: 'at+jwt' }).sign(key);
  }

  /**
   * Verifies signature (the type's one algorithm; for access tokens a published `kid`), `typ`,
   * iss, aud, exp and the claims. With `allowExpired` an expired but authentic token is accepted
   * (logout uses this to end the session it names).
   */
  async verify(token: string, type: TokenType, options: { allowExpired?: boolean } = {}): Promise<TokenClaims> {
    const checks = {
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    };
    let payload: JWTPayload;
    try {
      ({ payload } =
        type === 'access'
          ? await jwtVerify(token, (header) => this.accessKey(header), {
              ...checks,
              algorithms: [ACCESS_TOKEN_ALG],
              typ: 'at+jwt',
            })
          : await jwtVerify(token, await this.keys.refreshKey(), { ...checks, algorithms: [REFRESH_ALG] }));
    } catch (err) {
      // jose checks the signature, then presence, iss and aud, and only then exp: an expired
      // token's payload is authentic and already passed those checks.
      if (options.allowExpired && err instanceof joseErrors.JWTExpired && err.claim === 'exp') payload = err.payload;
      else if (err instanceof TokenError) throw err;
      else if (err instanceof joseErrors.JOSEError) throw new TokenError(err.code);
      else if (err instanceof ServiceUnavailableError) throw err;
      else throw new TokenError('malformed');
    }
    if (type === 'refresh' ? payload.type !== 'refresh' : payload.type !== undefined)
      throw new TokenError('wrong type');
    if (!isId(payload.sid) || !isId(payload.jti) || typeof payload.sub !== 'string') throw new TokenError('bad claims');
    return { ...(payload as unknown as TokenClaims), type };
  }

  /** The published key a token's header names; refuses headers that try to bring their own key. */
  private async accessKey(header: JWTHeaderParameters): Promise<CryptoKey> {
    if (KEY_BEARING_HEADERS.some((name) => name in header)) throw new TokenError('key-bearing header');
    if (header.alg !== ACCESS_TOKEN_ALG || typeof header.kid !== 'string') throw new TokenError('bad header');
    const key = await this.keys.verificationKey(header.kid);
    if (!key) throw new TokenError('unknown kid');
    return key;
  }

  /** HMAC(refresh key, text) cut to 128 bits, base64url: a stable pseudonym for text that must not be logged. */
  async keyedHash(text: string): Promise<string> {
    const mac = await crypto.subtle.sign('HMAC', await this.keys.refreshKey(), new TextEncoder().encode(text));
    return Buffer.from(mac.slice(0, 16)).toString('base64url');
  }

  /**
   * HMAC(refresh key, sid ‖ jti) cut to 128 bits: a rotated refresh token's successor id,
   * reproducible without storing it.
   */
  async deriveJti(sid: string, jti: string): Promise<string> {
    const key = await this.keys.refreshKey();
    const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`rotate:${sid}:${jti}`));
    return Buffer.from(mac.slice(0, 16)).toString('base64url');
  }
}
