import type { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ClientDeclaration } from '../functions/core/clients';
import type { ProtectedRoute } from '../functions/routes';
import type { CustomDomainProps } from './custom-domain';
import type { EventWebhook } from './events';
import type { AlarmThresholds } from './monitoring';

/** What a deployment may change; every value has the documented default (docs/configuration.md). */
export interface AuthApiProps {
  /** Seconds; defaults 900 / 604800 / 2592000 / 10. */
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  sessionMaxSeconds?: number;
  refreshReuseGraceSeconds?: number;
  /** Live sessions per user; a login beyond it ends the oldest (default 20). */
  maxSessionsPerUser?: number;
  /** Front-end origins allowed to call the cookie routes, with CORS and credentials. Default none. */
  allowedOrigins?: string[];
  cookiePath?: string;
  /**
   * Name the refresh cookie `__Host-refresh_token`: browsers then keep it only with `Secure`,
   * `Path=/` and no `Domain`, so a sibling subdomain cannot plant one that shadows it. It forces
   * `cookiePath` to `/` (the cookie then goes to every route of the API's host). Default false.
   */
  cookieHostPrefix?: boolean;
  cookieSameSite?: 'Lax' | 'Strict' | 'None';
  /** Only for a deployment behind plain HTTP (never in production). Default true. */
  cookieSecure?: boolean;
  bcryptCost?: number;
  /** Brute-force limits; defaults 5 failures, 1 s doubling to 900 s, a 900 s window, 100 failures per IP. */
  loginMaxFailures?: number;
  loginLockBaseSeconds?: number;
  loginLockMaxSeconds?: number;
  loginFailureWindowSeconds?: number;
  loginIpMaxFailures?: number;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Days every log group keeps its lines (default 30; 365 or more meets AWS Control Tower's CT.CLOUDWATCH.PR.2). */
  logRetention?: RetentionDays;
  /**
   * Encrypt every log group with a KMS key this stack creates (rotated yearly, usable by CloudWatch
   * Logs in this account and region only). Default false: CloudWatch Logs' own keys.
   */
  encryptLogs?: boolean;
  /**
   * AWS X-Ray active tracing on every function, through Powertools Tracer: the handler and each AWS
   * SDK call as subsegments. Default false, and then the tracer is not even in the bundles
   * (docs/operations.md "Tracing" has what it costs).
   */
  tracing?: boolean;
  /** Stage-wide throttling; API Gateway answers 429 {"message": "Too Many Requests"} past it. */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * The throttle of each route that checks a password (the login, the OAuth token endpoint, the
   * password change), below the stage's, so a flood of bcrypt runs cannot starve refreshes and
   * protected routes. Default 20 requests per second, burst 40, each: 60 and 120 for the three.
   */
  loginThrottle?: { rateLimit: number; burstLimit: number };
  /** RETAIN (default) keeps the table and key when the stack is deleted; DESTROY is for throwaway stacks. */
  removalPolicy?: RemovalPolicy;
  /** Days between rotations of the access-token signing keys (default 30; see docs/operations.md "Runbook"). */
  signingKeyRotationDays?: number;
  /** The `client_id` of access tokens when a login names none (default `web`). */
  defaultClientId?: string;
  /**
   * Declared OAuth scopes beside the built-in `openid`, `profile`, `email`, `offline_access`, each with
   * the text the consent page shows: `{"orders:read": "Read your orders"}` (docs/authorization-server.md).
   */
  scopes?: Record<string, string>;
  /** The stack's OAuth clients, written at deploy (docs/authorization-server.md "Clients"). Default none. */
  clients?: ClientDeclaration[];
  /**
   * Unknown client ids keep the password, refresh and our URN grants under the default client's
   * rules. Default true in this release; the next makes it false (docs/upgrading.md).
   */
  allowUnregisteredClients?: boolean;
  /**
   * Lazy migration (docs/importing-users.md): the ARN of a Lambda function that the login functions
   * ask, in the shape of Cognito's user-migration trigger, about a username the table does not have.
   */
  legacyMigrationFunction?: string;
  /**
   * The slowest imported password scheme in use, as `npm run users -- import` prints it
   * (`$argon2id$v=19$m=65536,t=3,p=4`): a login for an unknown name then takes as long as one of a
   * user still on that scheme (docs/importing-users.md "Timing"). Default none: the bcrypt dummy.
   */
  unknownUserHash?: string;
  /**
   * Where every audit event is published (docs/events.md): an existing EventBridge bus's name or ARN,
   * or `none` for no events at all. Default: a bus of the stack's own.
   */
  eventBus?: string;
  /** Webhooks (EventBridge API destinations) for some or all events (docs/events.md "A webhook"). Default none. */
  eventWebhooks?: EventWebhook[];
  /** POST /oauth2/register (RFC 7591) for public, third-party clients; rate-limited per IP. Default false. */
  dynamicClientRegistration?: boolean;
  /** Registrations per source IP per hour (default 10). */
  dcrIpMaxPerHour?: number;
  /**
   * Declare the local override variables (DYNAMODB_ENDPOINT, JWT_SECRET, SIGNING_KEYS) so that
   * `sam local invoke --env-vars` can set them. Only for `npx cdk synth -c samLocal=true`.
   */
  samLocal?: boolean;
  /** Routes of your own behind this API's authorizers (docs/protecting-your-api.md). Default none. */
  protectedRoutes?: readonly ProtectedRoute[];
  /** Seconds API Gateway caches the session authorizer's answer per token (default 0: every request is checked). */
  sessionAuthorizerCacheSeconds?: number;
  /** Serve the API at a domain of your own; the token issuer becomes `https://<domainName>`. Default none. */
  customDomain?: CustomDomainProps;
  /** Turn off the `https://<id>.execute-api.<region>.amazonaws.com` endpoint (only with a custom domain). */
  disableExecuteApiEndpoint?: boolean;
  /**
   * The sender of reset and verification messages, an address of an identity verified in Amazon SES
   * (docs/accounts.md). Without it the email routes (forgot, reset, sign-up, verify, resend) are not
   * deployed. Default none.
   */
  emailFrom?: string;
  /**
   * The SES identity the mail worker may send as: the domain of `emailFrom` (default) or the address
   * itself, whichever you verified. The worker's grant names this identity only.
   */
  emailIdentity?: string;
  /** The front-end pages reset and verification links open (`?token=` is appended). */
  passwordResetUrl?: string;
  emailVerifyUrl?: string;
  /** Self-service sign-up (needs `emailFrom` and `emailVerifyUrl`). Default false: the routes are not deployed. */
  allowSignup?: boolean;
  /** A correct password of an unverified user gets 403 (default: `allowSignup`). */
  requireEmailVerification?: boolean;
  /** Sign-ups per source IP per hour (default 10). */
  signupIpMaxPerHour?: number;
  /** The TOTP issuer authenticator apps show (APP_NAME; default the issuer's host). */
  appName?: string;
  /** How recent a session must be for the routes marked recent, in seconds (default 600; docs/mfa.md). */
  reauthMaxAgeSeconds?: number;
  /**
   * The WebAuthn relying party ID (docs/passkeys.md): a host equal to or a parent of every web origin using
   * passkeys. Without it the passkey routes are not deployed; changing it orphans every passkey, so there is no
   * default.
   */
  webauthnRpId?: string;
  /** Further origins of passkey ceremonies (`https://host[:port]` under the RP ID, `android:apk-key-hash:...`). */
  webauthnOrigins?: string[];
  /** Passkeys per user (default 10). */
  maxPasskeysPerUser?: number;
  /**
   * Use this existing table instead of the stack's own: the table a point-in-time restore made
   * (docs/operations.md "Runbook"). Default none. Its TTL and PITR must be switched on by hand (a restore does not
   * copy them).
   */
  adoptTableName?: string;
  /**
   * Alarms (to one SNS topic) and a dashboard (docs/operations.md). Default on; `false` leaves them
   * out (they cost about $0.10 a month per alarm, and detailed route metrics are custom metrics).
   */
  monitoring?: boolean;
  /** An address that receives every alarm by email (it must confirm the subscription). */
  alarmEmail?: string;
  /** The alarms' thresholds (lib/monitoring.ts has the defaults). */
  alarmThresholds?: AlarmThresholds;
}
