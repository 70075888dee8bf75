import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { loadConfig } from '../functions/core/config';
import { ConfigError } from '../functions/core/errors';
import type { KeyAccess } from '../functions/routes';
import type { AuthApiProps } from './auth-api-props';

/** The AuthApi setting (prop and CDK context key) behind each environment variable the functions validate. */
const SETTING_OF: Record<string, string> = {
  ACCESS_TOKEN_TTL_SECONDS: 'accessTokenTtlSeconds',
  REFRESH_TOKEN_TTL_SECONDS: 'refreshTokenTtlSeconds',
  SESSION_MAX_SECONDS: 'sessionMaxSeconds',
  REFRESH_REUSE_GRACE_SECONDS: 'refreshReuseGraceSeconds',
  MAX_SESSIONS_PER_USER: 'maxSessionsPerUser',
  ALLOWED_ORIGINS: 'allowedOrigins',
  COOKIE_PATH: 'cookiePath',
  COOKIE_HOST_PREFIX: 'cookieHostPrefix',
  COOKIE_SAMESITE: 'cookieSameSite',
  COOKIE_SECURE: 'cookieSecure',
  BCRYPT_COST: 'bcryptCost',
  LOGIN_MAX_FAILURES: 'loginMaxFailures',
  LOGIN_LOCK_BASE_SECONDS: 'loginLockBaseSeconds',
  LOGIN_LOCK_MAX_SECONDS: 'loginLockMaxSeconds',
  LOGIN_FAILURE_WINDOW_SECONDS: 'loginFailureWindowSeconds',
  LOGIN_IP_MAX_FAILURES: 'loginIpMaxFailures',
  EMAIL_FROM: 'emailFrom',
  PASSWORD_RESET_URL: 'passwordResetUrl',
  EMAIL_VERIFY_URL: 'emailVerifyUrl',
  ALLOW_SIGNUP: 'allowSignup',
  REQUIRE_EMAIL_VERIFICATION: 'requireEmailVerification',
  SIGNUP_IP_MAX_PER_HOUR: 'signupIpMaxPerHour',
  APP_NAME: 'appName',
  REAUTH_MAX_AGE_SECONDS: 'reauthMaxAgeSeconds',
  WEBAUTHN_RP_ID: 'webauthnRpId',
  WEBAUTHN_ORIGINS: 'webauthnOrigins',
  MAX_PASSKEYS_PER_USER: 'maxPasskeysPerUser',
  SCOPES: 'scopes',
  ALLOW_UNREGISTERED_CLIENTS: 'allowUnregisteredClients',
  DCR_IP_MAX_PER_HOUR: 'dcrIpMaxPerHour',
};

/** Every function's: the Powertools service name, and stack traces that point at the TypeScript source. */
export const COMMON_ENVIRONMENT = { POWERTOOLS_SERVICE_NAME: 'auth-api', NODE_OPTIONS: '--enable-source-maps' };

/** The four secrets a function may be given, by the key access the route table names. */
export interface KeySecrets {
  refresh: ISecret;
  signing: ISecret;
  public: ISecret;
  /** The MFA key that encrypts TOTP secrets (docs/mfa.md "The MFA key"). */
  mfa: ISecret;
}

/** Where a function finds the keys it may read (and, for sam local, the variables that stand in for them). */
export function keyEnvironment(
  keys: readonly KeyAccess[],
  secrets: KeySecrets,
  props: AuthApiProps,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (keys.includes('refresh')) env.JWT_SECRET_ARN = secrets.refresh.secretArn;
  if (keys.includes('signing')) env.SIGNING_KEYS_ARN = secrets.signing.secretArn;
  if (keys.includes('public')) env.PUBLIC_KEYS_ARN = secrets.public.secretArn;
  if (keys.includes('mfa')) env.MFA_KEY_ARN = secrets.mfa.secretArn;
  if (props.samLocal && keys.includes('refresh')) env.JWT_SECRET = '';
  if (props.samLocal && keys.includes('mfa')) env.MFA_KEY = '';
  if (props.samLocal && (keys.includes('signing') || keys.includes('public'))) env.SIGNING_KEYS = '';
  return env;
}

/** The passkey settings, only those given (without an RP ID there are no passkey routes). */
function passkeyEnvironment(props: AuthApiProps): Record<string, string> {
  if (!props.webauthnRpId) return {};
  return {
    WEBAUTHN_RP_ID: props.webauthnRpId,
    ...(props.webauthnOrigins?.length ? { WEBAUTHN_ORIGINS: props.webauthnOrigins.join(',') } : {}),
    ...(props.maxPasskeysPerUser === undefined ? {} : { MAX_PASSKEYS_PER_USER: String(props.maxPasskeysPerUser) }),
  };
}

/**
 * What the metadata document lists beyond the issuer (the discovery functions get only this): the
 * declared scopes and, with passkeys, the relying party (the passkey grant is listed then).
 */
export function discoveryEnvironment(props: AuthApiProps): Record<string, string> {
  return {
    ...(props.scopes ? { SCOPES: JSON.stringify(props.scopes) } : {}),
    ...(props.dynamicClientRegistration ? { DYNAMIC_CLIENT_REGISTRATION: 'true' } : {}),
    ...(props.webauthnRpId ? { WEBAUTHN_RP_ID: props.webauthnRpId } : {}),
  };
}

/** The account settings, only those given (functions/core/config.ts gives the defaults). */
export function accountEnvironment(props: AuthApiProps): Record<string, string> {
  const env: Record<string, string | undefined> = {
    EMAIL_FROM: props.emailFrom,
    PASSWORD_RESET_URL: props.passwordResetUrl,
    EMAIL_VERIFY_URL: props.emailVerifyUrl,
    ALLOW_SIGNUP: props.allowSignup === undefined ? undefined : String(props.allowSignup),
    REQUIRE_EMAIL_VERIFICATION:
      props.requireEmailVerification === undefined ? undefined : String(props.requireEmailVerification),
    SIGNUP_IP_MAX_PER_HOUR: props.signupIpMaxPerHour === undefined ? undefined : String(props.signupIpMaxPerHour),
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The routes' environment (their configuration, read and validated at init: functions/core/config.ts),
 * validated here too, so that a typo fails the synth, not the deploy.
 */
export function routeEnvironment(
  props: AuthApiProps,
  { tableName, issuer }: { tableName: string; issuer: string },
): Record<string, string> {
  const environment: Record<string, string> = {
    TABLE_NAME: tableName,
    TOKEN_ISSUER: issuer,
    DEFAULT_CLIENT_ID: props.defaultClientId ?? 'web',
    ACCESS_TOKEN_TTL_SECONDS: String(props.accessTokenTtlSeconds ?? 900),
    REFRESH_TOKEN_TTL_SECONDS: String(props.refreshTokenTtlSeconds ?? 604800),
    SESSION_MAX_SECONDS: String(props.sessionMaxSeconds ?? 2592000),
    REFRESH_REUSE_GRACE_SECONDS: String(props.refreshReuseGraceSeconds ?? 10),
    MAX_SESSIONS_PER_USER: String(props.maxSessionsPerUser ?? 20),
    ALLOWED_ORIGINS: (props.allowedOrigins ?? []).join(','),
    COOKIE_PATH: props.cookiePath ?? (props.cookieHostPrefix ? '/' : '/auth'),
    COOKIE_HOST_PREFIX: String(props.cookieHostPrefix === true),
    COOKIE_SAMESITE: props.cookieSameSite ?? 'Lax',
    COOKIE_SECURE: String(props.cookieSecure ?? true),
    BCRYPT_COST: String(props.bcryptCost ?? 10),
    LOGIN_MAX_FAILURES: String(props.loginMaxFailures ?? 5),
    LOGIN_LOCK_BASE_SECONDS: String(props.loginLockBaseSeconds ?? 1),
    LOGIN_LOCK_MAX_SECONDS: String(props.loginLockMaxSeconds ?? 900),
    LOGIN_FAILURE_WINDOW_SECONDS: String(props.loginFailureWindowSeconds ?? 900),
    LOGIN_IP_MAX_FAILURES: String(props.loginIpMaxFailures ?? 100),
    REAUTH_MAX_AGE_SECONDS: String(props.reauthMaxAgeSeconds ?? 600),
    ...(props.appName ? { APP_NAME: props.appName } : {}),
    ...discoveryEnvironment(props),
    ALLOW_UNREGISTERED_CLIENTS: String(props.allowUnregisteredClients ?? true),
    ...(props.dcrIpMaxPerHour === undefined ? {} : { DCR_IP_MAX_PER_HOUR: String(props.dcrIpMaxPerHour) }),
    ...passkeyEnvironment(props),
    ...accountEnvironment(props),
    ...COMMON_ENVIRONMENT,
    // Declared only for `sam local invoke --env-vars`, which overrides only variables a template
    // declares; a deployed template has none (and functions/core/config.ts refuses them there).
    ...(props.samLocal ? { DYNAMODB_ENDPOINT: '' } : {}),
    // Bounded so a store outage becomes a 503 well inside the function timeout.
    DYNAMODB_MAX_ATTEMPTS: '3',
    DYNAMODB_CONNECT_TIMEOUT_MS: '500',
    DYNAMODB_REQUEST_TIMEOUT_MS: '1000',
  };
  // The message names the setting as the user wrote it (prop and context key alike).
  try {
    loadConfig({ ...environment, TABLE_NAME: 'synth-check', JWT_SECRET_ARN: 'synth-check', TOKEN_ISSUER: 'x' });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const message = Object.entries(SETTING_OF).reduce((m, [env, key]) => m.replaceAll(env, key), err.message);
    throw new Error(message.replace(/^Configuration error: /, ''));
  }
  return environment;
}
