import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { ServiceUnavailableError } from './errors';

export type TokenType = 'access' | 'refresh';

/**
 * The claims every token of ours carries (docs/http-contract.md "Tokens"). `iat` and `exp` are
 * JWT NumericDates (epoch seconds), as on the wire; the domain reads instants from the session.
 */
export interface TokenClaims {
  sub: string;
  type: TokenType;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

/** Why a token was refused; callers turn every reason into the same 401 for their route. */
export class TokenError extends Error {
  constructor(readonly reason: string) {
    super(`token rejected: ${reason}`);
    this.name = 'TokenError';
  }
}

/** Where the raw HMAC key comes from: an env variable locally, Secrets Manager when deployed. */
export type KeySource = () => Promise<Uint8Array>;

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
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
}

const ALG = 'HS256';

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** 128 random bits, URL-safe: token ids (`jti`) and session ids (`sid`). */
export const newId = (): string => randomBytes(16).toString('base64url');

/** Session and token ids are exactly 22 base64url characters; anything else is refused unread. */
export const isId = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]{22}$/.test(value);

/**
 * Signs and verifies our JWTs. The key is fetched and imported as a CryptoKey once per process on
 * first use (so a Secrets Manager outage is a 503, not a crashed init), and fetched again only
 * if that attempt failed.
 */
export class TokenService {
  private key?: Promise<HmacKey>;

  constructor(
    private readonly source: KeySource,
    private readonly settings: TokenSettings,
  ) {}

  private cryptoKey(): Promise<HmacKey> {
    if (!this.key) {
      this.key = this.source()
        .catch((cause: unknown) => {
          throw cause instanceof ServiceUnavailableError ? cause : new ServiceUnavailableError('secret', { cause });
        })
        .then((raw) =>
          crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
        );
      this.key.catch(() => (this.key = undefined));
    }
    return this.key;
  }

  /** Signs a token of the given type. */
  async sign({ type, sub, sid, jti, issuedAt, expiresAt }: TokenToSign): Promise<string> {
    const ttl = type === 'access' ? this.settings.accessTokenTtl : this.settings.refreshTokenTtl;
    const iat = Math.floor(issuedAt / 1000);
    const exp = expiresAt === undefined ? iat + ttl : Math.floor(expiresAt / 1000);
    return new SignJWT({ type, sid })
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .sign(await this.cryptoKey());
  }

  /**
   * Verifies signature (HS256 only), iss, aud, exp and type. With `allowExpired` an expired but
   * authentic token is accepted (logout uses this to end the session it names).
   */
  async verify(token: string, type: TokenType, options: { allowExpired?: boolean } = {}): Promise<TokenClaims> {
    const key = await this.cryptoKey();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [ALG],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }));
    } catch (err) {
      // jose checks the signature, then presence, iss and aud, and only then exp: an expired
      // token's payload is authentic and already passed those checks.
      if (options.allowExpired && err instanceof joseErrors.JWTExpired && err.claim === 'exp') payload = err.payload;
      else throw new TokenError(err instanceof joseErrors.JOSEError ? err.code : 'malformed');
    }
    if (payload.type !== type) throw new TokenError('wrong type');
    if (!isId(payload.sid) || !isId(payload.jti) || typeof payload.sub !== 'string') throw new TokenError('bad claims');
    return payload as unknown as TokenClaims;
  }

  /**
   * HMAC(key, sid ‖ jti) cut to 128 bits: the successor id of a rotated refresh token, reproducible without storing
   * it.
   */
  async deriveJti(sid: string, jti: string): Promise<string> {
    const mac = await crypto.subtle.sign(
      'HMAC',
      await this.cryptoKey(),
      new TextEncoder().encode(`rotate:${sid}:${jti}`),
    );
    return Buffer.from(mac.slice(0, 16)).toString('base64url');
  }
}
