import { ConfigError } from './errors';

export type SameSite = 'Lax' | 'Strict' | 'None';

/** Everything the handlers read from the environment, validated once per process. */
export interface Config {
  tableName: string;
  issuer: string;
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  sessionMaxSeconds: number;
  refreshReuseGraceSeconds: number;
  /** MAX_SESSIONS_PER_USER: a login beyond it ends the user's oldest sessions. */
  maxSessionsPerUser: number;
  bcryptCost: number;
  lockout: LockoutSettings;
  cookie: { secure: boolean; path: string; sameSite: SameSite };
  allowedOrigins: string[];
  /** The `client_id` of access tokens when a login names none (RFC 9068). */
  defaultClientId: string;
  /**
   * Keys (functions/store/keys.ts). Local: the refresh secret and the private key set themselves.
   * Deployed: the ARNs of the secrets this function may read, and only those.
   */
  jwtSecret?: string;
  jwtSecretArn?: string;
  signingKeys?: string;
  signingKeysArn?: string;
  publicKeysArn?: string;
}

/** Brute-force limits (docs/http-contract.md "Brute force"). */
export interface LockoutSettings {
  /** Failures in a row for one username before it is locked. */
  maxFailures: number;
  /** First lock, in seconds; doubles per further failure. */
  baseLockSeconds: number;
  maxLockSeconds: number;
  /** Failures are forgotten this long after the last one (per username), or after the window started (per IP). */
  windowSeconds: number;
  /** Failures from one source IP within the window beyond which every login from it is refused. */
  ipMaxFailures: number;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name} must be "true" or "false", got "${raw}"`);
}

/** BCRYPT_COST (4 to 15, default 10): the functions and the users CLI hash at the same cost. */
export const bcryptCostFrom = (env: Env = process.env): number => integer(env, 'BCRYPT_COST', 10, 4, 15);

/** TOKEN_ISSUER: the `iss` of every token (deployed: the API's URL, set by the stack; local: the dev server's URL). */
export const issuerFrom = (env: Env = process.env): string => env.TOKEN_ISSUER || 'serverless-auth-api';

/** TOKEN_AUDIENCE: the `aud` of every token, and what the JWT authorizer requires. */
export const audienceFrom = (env: Env = process.env): string => env.TOKEN_AUDIENCE || 'serverless-auth-api';

/** Reads and validates the configuration; throws ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env): Config {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new ConfigError('TABLE_NAME is required');

  const jwtSecret = env.JWT_SECRET || undefined;
  const jwtSecretArn = env.JWT_SECRET_ARN || undefined;
  const signingKeys = env.SIGNING_KEYS || undefined;
  const signingKeysArn = env.SIGNING_KEYS_ARN || undefined;
  const publicKeysArn = env.PUBLIC_KEYS_ARN || undefined;
  // Accident guard: keys or a store given by environment next to the deployed secrets means a
  // deployed function was edited by hand. Only `sam local invoke` (AWS_SAM_LOCAL) may do that.
  const overrides = [
    jwtSecret && 'JWT_SECRET',
    signingKeys && 'SIGNING_KEYS',
    env.DYNAMODB_ENDPOINT && 'DYNAMODB_ENDPOINT',
  ];
  const deployed = jwtSecretArn || signingKeysArn || publicKeysArn;
  if (deployed && overrides.some(Boolean) && env.AWS_SAM_LOCAL !== 'true') {
    throw new ConfigError(`${overrides.filter(Boolean).join(', ')} must not be set in a deployed function`);
  }
  if (!jwtSecret && !jwtSecretArn && !signingKeys && !signingKeysArn && !publicKeysArn) {
    throw new ConfigError(
      'no keys: set JWT_SECRET and SIGNING_KEYS (local), ' +
        'or JWT_SECRET_ARN, SIGNING_KEYS_ARN, PUBLIC_KEYS_ARN (deployed)',
    );
  }
  // RFC 8725 / RFC 7518 §3.2: an HS256 key needs at least 256 bits.
  if (jwtSecret && Buffer.byteLength(jwtSecret, 'utf8') < 32)
    throw new ConfigError('JWT_SECRET must be at least 32 bytes');

  const sameSite = (env.COOKIE_SAMESITE || 'Lax') as SameSite;
  if (!['Lax', 'Strict', 'None'].includes(sameSite))
    throw new ConfigError(`COOKIE_SAMESITE must be Lax, Strict or None, got "${sameSite}"`);
  const secure = boolean(env, 'COOKIE_SECURE', true);
  if (sameSite === 'None' && !secure)
    throw new ConfigError('COOKIE_SAMESITE=None needs COOKIE_SECURE=true (browsers drop it otherwise)');
  const path = env.COOKIE_PATH || '/auth';
  if (!/^\/[\x21-\x3a\x3c-\x7e]*$/.test(path))
    throw new ConfigError(`COOKIE_PATH must be a path starting with "/", got "${path}"`);

  const allowedOrigins = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of allowedOrigins) {
    // Each entry is one exact origin: CORS with credentials for a wildcard, a path (never sent by a
    // browser, so a silent no-op) or a plain-http remote site would be a hole or a mistake.
    const exact = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin);
    const localHttp = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/.test(origin);
    if (!exact && !localHttp) {
      throw new ConfigError(
        `ALLOWED_ORIGINS entries must look like https://host[:port] (no wildcard, no path; http:// only for ` +
          `localhost, 127.0.0.1 or [::1]), got "${origin}"`,
      );
    }
  }

  return {
    tableName,
    issuer: issuerFrom(env),
    audience: audienceFrom(env),
    accessTokenTtl: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 60, 86_400),
    refreshTokenTtl: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 604_800, 300, 31_536_000),
    sessionMaxSeconds: integer(env, 'SESSION_MAX_SECONDS', 2_592_000, 300, 31_536_000),
    refreshReuseGraceSeconds: integer(env, 'REFRESH_REUSE_GRACE_SECONDS', 10, 0, 300),
    maxSessionsPerUser: integer(env, 'MAX_SESSIONS_PER_USER', 20, 1, 1000),
    bcryptCost: bcryptCostFrom(env),
    lockout: {
      maxFailures: integer(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
      baseLockSeconds: integer(env, 'LOGIN_LOCK_BASE_SECONDS', 1, 1, 3600),
      maxLockSeconds: integer(env, 'LOGIN_LOCK_MAX_SECONDS', 900, 1, 86_400),
      windowSeconds: integer(env, 'LOGIN_FAILURE_WINDOW_SECONDS', 900, 1, 86_400),
      ipMaxFailures: integer(env, 'LOGIN_IP_MAX_FAILURES', 100, 1, 1_000_000),
    },
    cookie: { secure, path, sameSite },
    allowedOrigins,
    defaultClientId: env.DEFAULT_CLIENT_ID || 'web',
    jwtSecret,
    jwtSecretArn,
    signingKeys,
    signingKeysArn,
    publicKeysArn,
  };
}
