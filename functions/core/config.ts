import { ConfigError } from './errors';
import { declaredScopes } from './scopes';
import { type WebAuthnSettings, webauthnSettings } from './webauthn-config';

/** The refresh cookie's name (with COOKIE_HOST_PREFIX=true, `__Host-` before it). */
export const REFRESH_COOKIE_NAME = 'refresh_token';

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
  /**
   * UNKNOWN_USER_HASH: the slowest imported scheme in use, as a hash's header (`$argon2id$v=19$m=...`);
   * a name the table does not have is checked against a hash of it (docs/importing-users.md "Timing").
   */
  unknownUserHash?: string;
  lockout: LockoutSettings;
  /** The refresh cookie: its name (`__Host-refresh_token` with COOKIE_HOST_PREFIX), flags and path. */
  cookie: { name: string; secure: boolean; path: string; sameSite: SameSite };
  allowedOrigins: string[];
  /** The `client_id` of access tokens when a login names none (RFC 9068). */
  defaultClientId: string;
  /** SCOPES: the declared scopes with the built-in ones, each with its consent text (core/scopes.ts). */
  scopes: Record<string, string>;
  /** ALLOW_UNREGISTERED_CLIENTS (true in this release, docs/upgrading.md): unknown ids get the default's rules. */
  allowUnregisteredClients: boolean;
  /** CLIENT_CACHE_SECONDS (60, at most 60): how long a function keeps a client it read. */
  clientCacheSeconds: number;
  /** Dynamic client registration (RFC 7591): off unless DYNAMIC_CLIENT_REGISTRATION=true. */
  registration: { enabled: boolean; ipMaxPerHour: number; scopes: string[] };
  /**
   * Keys (functions/store/keys.ts). Local: the refresh secret and the private key set themselves.
   * Deployed: the ARNs of the secrets this function may read, and only those.
   */
  jwtSecret?: string;
  jwtSecretArn?: string;
  signingKeys?: string;
  signingKeysArn?: string;
  publicKeysArn?: string;
  /** The MFA key (functions/store/mfa-key.ts): MFA_KEY locally, MFA_KEY_ARN deployed (only the TOTP functions). */
  mfaKey?: string;
  mfaKeyArn?: string;
  /** APP_NAME (default: the issuer's host): the TOTP issuer and the WebAuthn relying party's name. */
  appName: string;
  /** SSO_SESSION_SECONDS (86400): a hosted-page login's browser session (docs/authorization-server.md "SSO"). */
  ssoSessionSeconds: number;
  /** REAUTH_MAX_AGE_SECONDS (600): how recent a session must be for the routes marked recent. */
  reauthMaxAgeSeconds: number;
  /** Passkeys (docs/passkeys.md): absent without WEBAUTHN_RP_ID, and then their routes do not exist. */
  webauthn?: WebAuthnSettings;
  accounts: AccountSettings;
}

/** Self-service accounts (docs/http-contract.md "Passwords and accounts"). */
export interface AccountSettings {
  /** EMAIL_FROM: the sender of reset and verification messages; without it no email route exists. */
  emailFrom?: string;
  /** ALLOW_SIGNUP (default false): POST /auth/signup and the verification routes exist. */
  allowSignup: boolean;
  /** REQUIRE_EMAIL_VERIFICATION (default: ALLOW_SIGNUP): an unverified user's correct password gets 403. */
  requireEmailVerification: boolean;
  /** SIGNUP_IP_MAX_PER_HOUR (default 10). */
  signupIpMaxPerHour: number;
  /** The front-end pages the links point at (`?token=` is appended). */
  passwordResetUrl?: string;
  emailVerifyUrl?: string;
  /** Deployed: the queue the mail worker reads. Absent (local): the worker runs in the same process. */
  mailQueueUrl?: string;
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

/** The headers core/password-schemes.ts makes dummies of (its limits are checked there, and at synth). */
const SCHEME_HEADER =
  /^(\$argon2(id|i)\$v=19\$m=\d+,t=\d+,p=\d+|\$scrypt\$ln=\d+,r=\d+,p=\d+|\$pbkdf2-sha256\$\d+|pbkdf2_sha256\$\d+)$/;

export function unknownUserHashFrom(env: Env = process.env): string | undefined {
  const header = env.UNKNOWN_USER_HASH?.trim();
  if (!header) return undefined;
  if (!SCHEME_HEADER.test(header))
    throw new ConfigError(
      `UNKNOWN_USER_HASH must be an imported scheme's header such as $argon2id$v=19$m=65536,t=3,p=4 ` +
        `(npm run users -- import prints the one to use), got "${header}"`,
    );
  return header;
}

/** TOKEN_ISSUER: the `iss` of every token (deployed: the API's URL, set by the stack; local: the dev server's URL). */
export const issuerFrom = (env: Env = process.env): string => env.TOKEN_ISSUER || 'serverless-auth-api';

/** TOKEN_AUDIENCE: the `aud` of every token, and what the JWT authorizer requires. */
export const audienceFrom = (env: Env = process.env): string => env.TOKEN_AUDIENCE || 'serverless-auth-api';

/**
 * Where a function's keys come from: local values (JWT_SECRET, SIGNING_KEYS) or secret ARNs. Under
 * `sam local invoke` the local keys win: SAM resolves the template's Ref to a secret as its logical id,
 * a non-empty ARN variable that names no secret (docs/local-development.md).
 */
export function keySources(env: Env) {
  const jwtSecret = env.JWT_SECRET || undefined;
  const signingKeys = env.SIGNING_KEYS || undefined;
  const samLocal = env.AWS_SAM_LOCAL === 'true';
  return {
    jwtSecret,
    signingKeys,
    jwtSecretArn: samLocal && jwtSecret ? undefined : env.JWT_SECRET_ARN || undefined,
    signingKeysArn: samLocal && signingKeys ? undefined : env.SIGNING_KEYS_ARN || undefined,
    publicKeysArn: samLocal && signingKeys ? undefined : env.PUBLIC_KEYS_ARN || undefined,
    mfaKey: env.MFA_KEY || undefined,
    mfaKeyArn: samLocal && env.MFA_KEY ? undefined : env.MFA_KEY_ARN || undefined,
  };
}

/** Reads and validates the configuration; throws ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env, { needsKeys = true }: { needsKeys?: boolean } = {}): Config {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new ConfigError('TABLE_NAME is required');

  const { jwtSecret, signingKeys, jwtSecretArn, signingKeysArn, publicKeysArn, mfaKey, mfaKeyArn } = keySources(env);
  // Accident guard: keys or a store given by environment next to the deployed secrets means a
  // deployed function was edited by hand. Only `sam local invoke` (AWS_SAM_LOCAL) may do that.
  const overrides = [
    jwtSecret && 'JWT_SECRET',
    signingKeys && 'SIGNING_KEYS',
    mfaKey && 'MFA_KEY',
    env.DYNAMODB_ENDPOINT && 'DYNAMODB_ENDPOINT',
  ];
  const deployed = jwtSecretArn || signingKeysArn || publicKeysArn || mfaKeyArn;
  if (deployed && overrides.some(Boolean) && env.AWS_SAM_LOCAL !== 'true') {
    throw new ConfigError(`${overrides.filter(Boolean).join(', ')} must not be set in a deployed function`);
  }
  // The account routes that never see a token (forgot, reset, sign-up, verify) hold no keys at all.
  if (needsKeys && !jwtSecret && !jwtSecretArn && !signingKeys && !signingKeysArn && !publicKeysArn) {
    throw new ConfigError(
      'no keys: set JWT_SECRET and SIGNING_KEYS (local), ' +
        'or JWT_SECRET_ARN, SIGNING_KEYS_ARN, PUBLIC_KEYS_ARN (deployed)',
    );
  }
  // RFC 8725 / RFC 7518 §3.2: an HS256 key needs at least 256 bits.
  if (jwtSecret && Buffer.byteLength(jwtSecret, 'utf8') < 32)
    throw new ConfigError('JWT_SECRET must be at least 32 bytes');
  if (mfaKey && mfaKey.length < 32) throw new ConfigError('MFA_KEY must be at least 32 characters');

  const sameSite = (env.COOKIE_SAMESITE || 'Lax') as SameSite;
  if (!['Lax', 'Strict', 'None'].includes(sameSite))
    throw new ConfigError(`COOKIE_SAMESITE must be Lax, Strict or None, got "${sameSite}"`);
  const secure = boolean(env, 'COOKIE_SECURE', true);
  if (sameSite === 'None' && !secure)
    throw new ConfigError('COOKIE_SAMESITE=None needs COOKIE_SECURE=true (browsers drop it otherwise)');
  // The __Host- prefix: a browser keeps such a cookie only if it is Secure, has Path=/ and no
  // Domain, so no sibling subdomain can set one that shadows ours.
  const hostPrefix = boolean(env, 'COOKIE_HOST_PREFIX', false);
  const path = env.COOKIE_PATH || (hostPrefix ? '/' : '/auth');
  if (!/^\/[\x21-\x3a\x3c-\x7e]*$/.test(path))
    throw new ConfigError(`COOKIE_PATH must be a path starting with "/", got "${path}"`);
  if (hostPrefix && path !== '/')
    throw new ConfigError(`COOKIE_HOST_PREFIX=true needs COOKIE_PATH=/ (the prefix allows no other), got "${path}"`);
  if (hostPrefix && !secure) throw new ConfigError('COOKIE_HOST_PREFIX=true needs COOKIE_SECURE=true');

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
    accounts: accountSettings(env),
    issuer: issuerFrom(env),
    audience: audienceFrom(env),
    accessTokenTtl: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 60, 86_400),
    refreshTokenTtl: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 604_800, 300, 31_536_000),
    sessionMaxSeconds: integer(env, 'SESSION_MAX_SECONDS', 2_592_000, 300, 31_536_000),
    refreshReuseGraceSeconds: integer(env, 'REFRESH_REUSE_GRACE_SECONDS', 10, 0, 300),
    maxSessionsPerUser: integer(env, 'MAX_SESSIONS_PER_USER', 20, 1, 1000),
    bcryptCost: bcryptCostFrom(env),
    unknownUserHash: unknownUserHashFrom(env),
    lockout: {
      maxFailures: integer(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
      baseLockSeconds: integer(env, 'LOGIN_LOCK_BASE_SECONDS', 1, 1, 3600),
      maxLockSeconds: integer(env, 'LOGIN_LOCK_MAX_SECONDS', 900, 1, 86_400),
      windowSeconds: integer(env, 'LOGIN_FAILURE_WINDOW_SECONDS', 900, 1, 86_400),
      ipMaxFailures: integer(env, 'LOGIN_IP_MAX_FAILURES', 100, 1, 1_000_000),
    },
    cookie: { name: hostPrefix ? `__Host-${REFRESH_COOKIE_NAME}` : REFRESH_COOKIE_NAME, secure, path, sameSite },
    allowedOrigins,
    defaultClientId: env.DEFAULT_CLIENT_ID || 'web',
    scopes: scopesFrom(env),
    allowUnregisteredClients: boolean(env, 'ALLOW_UNREGISTERED_CLIENTS', true),
    clientCacheSeconds: integer(env, 'CLIENT_CACHE_SECONDS', 60, 0, 60),
    registration: {
      enabled: boolean(env, 'DYNAMIC_CLIENT_REGISTRATION', false),
      ipMaxPerHour: integer(env, 'DCR_IP_MAX_PER_HOUR', 10, 1, 10_000),
      scopes: (env.DCR_SCOPES || 'openid profile email offline_access').split(' ').filter(Boolean),
    },
    jwtSecret,
    jwtSecretArn,
    signingKeys,
    signingKeysArn,
    publicKeysArn,
    mfaKey,
    mfaKeyArn,
    appName: appNameFrom(env.APP_NAME, issuerFrom(env)),
    reauthMaxAgeSeconds: integer(env, 'REAUTH_MAX_AGE_SECONDS', 600, 30, 86_400),
    ssoSessionSeconds: integer(env, 'SSO_SESSION_SECONDS', 86_400, 300, 2_592_000),
    webauthn: webauthnSettings(env, issuerFrom(env), allowedOrigins),
  };
}

/** The declared scopes of SCOPES, a ConfigError naming the problem otherwise. */
export function scopesFrom(env: Env = process.env): Record<string, string> {
  try {
    return declaredScopes(env.SCOPES);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/**
 * Why an APP_NAME cannot be the TOTP issuer, if it cannot: authenticator apps split the otpauth://
 * label `<issuer>:<username>` at its first colon (Google's Key URI Format forbids one in the issuer;
 * pyotp refuses such a URI), so a name with a colon would show the wrong account or none.
 */
export function appNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'APP_NAME must not be blank';
  if (name.includes(':')) return `APP_NAME must not contain a colon (authenticator apps split on it), got "${name}"`;
  return undefined;
}

/**
 * APP_NAME, else the issuer's host name: without its port, which would put a colon in the TOTP
 * issuer (the dev server's `127.0.0.1:8000` shows as `127.0.0.1`); the issuer itself when it is no URL.
 */
function appNameFrom(appName: string | undefined, issuer: string): string {
  if (appName) {
    const problem = appNameProblem(appName);
    if (problem) throw new ConfigError(problem);
    return appName;
  }
  try {
    return new URL(issuer).hostname || issuer;
  } catch {
    return issuer.replaceAll(':', '');
  }
}

/** A link base the messages may point at: https, or http only for a local front end. */
function linkBase(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL like https://app.example.com/reset, got "${raw}"`);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && local)) || url.search || url.hash) {
    throw new ConfigError(
      `${name} must be an https:// URL without query or fragment (http:// only for localhost), got "${raw}"`,
    );
  }
  return raw;
}

/** The account settings; sign-up without a sender is refused (it could verify nobody). */
export function accountSettings(env: Env = process.env): AccountSettings {
  const emailFrom = env.EMAIL_FROM || undefined;
  if (emailFrom && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(emailFrom)) {
    throw new ConfigError(`EMAIL_FROM must be an email address like no-reply@example.com, got "${emailFrom}"`);
  }
  const allowSignup = boolean(env, 'ALLOW_SIGNUP', false);
  if (allowSignup && !emailFrom) {
    throw new ConfigError('ALLOW_SIGNUP needs EMAIL_FROM: sign-up sends a verification message');
  }
  const passwordResetUrl = linkBase(env, 'PASSWORD_RESET_URL');
  const emailVerifyUrl = linkBase(env, 'EMAIL_VERIFY_URL');
  // The links point at the team's own front-end pages: there is no sensible default.
  if (emailFrom && !passwordResetUrl)
    throw new ConfigError('EMAIL_FROM needs PASSWORD_RESET_URL: the page reset links open');
  if (allowSignup && !emailVerifyUrl)
    throw new ConfigError('ALLOW_SIGNUP needs EMAIL_VERIFY_URL: the page verification links open');
  return {
    emailFrom,
    allowSignup,
    requireEmailVerification: boolean(env, 'REQUIRE_EMAIL_VERIFICATION', allowSignup),
    signupIpMaxPerHour: integer(env, 'SIGNUP_IP_MAX_PER_HOUR', 10, 1, 1_000_000),
    passwordResetUrl,
    emailVerifyUrl,
    mailQueueUrl: env.MAIL_QUEUE_URL || undefined,
  };
}
