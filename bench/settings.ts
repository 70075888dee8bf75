/** The benchmark's settings: its command line, the routes it measures, their targets, and small helpers. */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

export const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    quick: { type: 'boolean' },
    check: { type: 'boolean' },
    // e.g. --target coldRatio=1.05: override a target (CI sets an impossible one to prove --check fails).
    target: { type: 'string', multiple: true },
    iterations: { type: 'string' },
    // Pairs of cold starts per route (ours and the essential bundle's, in random order): 30, quick 4.
    pairs: { type: 'string' },
    // e.g. --cpu-prof /tmp/prof: every cold start under node --cpu-prof, then where the time went (cpu-profile.ts).
    'cpu-prof': { type: 'string' },
    // e.g. --only forgot,resend: measure these routes alone (while working on them).
    only: { type: 'string' },
    // e.g. --ddb-latency 4: every store request held that many ms on a loopback proxy (a round trip
    // inside an AWS region), so warm p50s show what each route's sequential round trips cost.
    'ddb-latency': { type: 'string' },
    // Each request of one warm invocation (the route's, then its essential work's): operation and ms.
    requests: { type: 'boolean' },
  },
});
export const QUICK = args.quick === true;
/** Passkeys and the second factor (docs/passkeys.md, docs/mfa.md): DESIGN's 1.15x cold budget. */
const PASSKEY_AND_MFA_ROUTES = [
  'passkey-options',
  'passkey-login',
  'oauth-passkey',
  'passkey-register-options',
  'passkey-register',
  'passkey-list',
  'passkey-rename',
  'mfa-status',
  'totp-setup',
] as const;
/** The authorization server's routes measured here (the code flow as a whole: npm run bench:code-flow). */
const AUTHORIZATION_ROUTES = [
  'authorize',
  'hosted-password',
  'hosted-mfa',
  'hosted-passkey',
  'consent',
  'code-grant',
  'sso-logout',
  'register',
  'userinfo',
  'client-credentials',
  'metadata',
] as const;
export const ROUTES = [
  'token',
  'refresh',
  'oauth-password',
  'oauth-refresh',
  'logout',
  'me',
  'discovery',
  'jwks',
  'password-change',
  'forgot',
  'resend',
  'reset',
  'signup',
  'verify',
  ...PASSKEY_AND_MFA_ROUTES,
  ...AUTHORIZATION_ROUTES,
] as const;
export type RouteName = (typeof ROUTES)[number];
/**
 * The routes this run measures: --only's, else every route; --quick (under a minute, CI's smoke run)
 * measures the login and the three calls every client makes most.
 */
export const MEASURED: readonly RouteName[] = args.only
  ? ROUTES.filter((r) => args.only!.split(',').includes(r))
  : QUICK
    ? ['token', 'refresh', 'logout', 'me']
    : ROUTES;
/** The function (its name in functions/routes.ts, and so its id) of each measured route. */
export const HANDLER: Record<RouteName, string> = {
  token: 'token',
  refresh: 'refresh',
  // POST /oauth2/token, once per grant: the same rules as the login and the refresh, other wire format.
  'oauth-password': 'oauth2-token',
  'oauth-refresh': 'oauth2-token',
  logout: 'logout',
  me: 'me',
  'password-change': 'password-change',
  discovery: 'openid-configuration',
  jwks: 'jwks',
  forgot: 'password-forgot',
  resend: 'email-verify-resend',
  reset: 'password-reset',
  signup: 'signup',
  verify: 'email-verify',
  'passkey-options': 'passkeys-login-options',
  'passkey-login': 'passkeys-login-verify',
  // The passkey grant: the passkey login's rules through the OAuth token endpoint.
  'oauth-passkey': 'oauth2-token',
  'passkey-register-options': 'passkeys-register-options',
  'passkey-register': 'passkeys-register-verify',
  'passkey-list': 'passkeys-list',
  'passkey-rename': 'passkeys-rename',
  'mfa-status': 'mfa-status',
  'totp-setup': 'mfa-totp-setup',
  authorize: 'oauth2-authorize',
  // The hosted pages' form posts, each on a pending authorization of its own (bench/authorization.ts).
  'hosted-password': 'oauth2-login-password',
  'hosted-mfa': 'oauth2-login-mfa',
  'hosted-passkey': 'oauth2-login-passkey',
  consent: 'oauth2-consent',
  // POST /oauth2/token with authorization_code: a code of its own per invocation, PKCE, an ID token.
  'code-grant': 'oauth2-token',
  'sso-logout': 'oauth2-logout',
  register: 'oauth2-register',
  userinfo: 'oauth2-userinfo',
  // POST /oauth2/token with client_credentials: the client's read and secret, one signature.
  'client-credentials': 'oauth2-token',
  metadata: 'oauth2-metadata',
};
/** Routes measured again with tracing on: the login, and the two calls every client makes most. */
export const TRACED_ROUTES: readonly RouteName[] = ['token', 'refresh', 'me'];
/** Routes that spend a bcrypt run per invocation: fewer iterations. */
export const BCRYPT_ROUTES: readonly RouteName[] = [
  'token',
  'oauth-password',
  'hosted-password',
  'password-change',
  'reset',
  'signup',
];
/**
 * Fewer iterations: routes whose every invocation adds an item that stays (a passkey: at most 100 per
 * user), and the hosted MFA step (each needs a user of its own with TOTP on: a code's step is used up).
 */
export const FEW_ITERATIONS: readonly RouteName[] = [...BCRYPT_ROUTES, 'passkey-register', 'hosted-mfa'];
/**
 * Routes whose every invocation starts a session of the plan's own user: at most 900 warm
 * iterations, so that the user stays below MAX_SESSIONS_PER_USER's highest value (1000): at the cap a
 * login reads every session to evict the oldest, which is not the path measured.
 */
export const SESSION_STARTERS: readonly RouteName[] = [
  'passkey-login',
  'oauth-passkey',
  'hosted-passkey',
  'code-grant',
];
/** The stack as synthesized for the bench: every account route deployed (the email ones need a sender). */
export const ACCOUNT_CONTEXT = {
  emailFrom: 'no-reply@bench.example',
  passwordResetUrl: 'https://app.bench.example/reset',
  allowSignup: 'true',
  emailVerifyUrl: 'https://app.bench.example/verify',
  // The passkey routes are deployed under the issuer's host (its origin is then expected).
  webauthnRpId: 'bench.example',
  // POST /oauth2/register is deployed only with dynamic registration on.
  dynamicClientRegistration: 'true',
};
export const ISSUER = 'https://bench.example';
export const AUDIENCE = 'serverless-auth-api';
export const SECRET = randomBytes(32).toString('base64url');
export const TABLE_NAME = 'auth-bench';
// AWS Lambda, arm64, US East (N. Virginia), first pricing tier: the public price list as read on 2026-11-29.
export const PRICE = {
  perGbSecond: 0.0000133334,
  perMillionRequests: 0.2,
  date: '2026-11-29',
  arch: 'arm64',
  region: 'us-east-1',
};
export const TARGETS = {
  ratio: 1.25,
  slackMs: 0.3,
  coldMs: 120,
  /**
   * Cold start over the essential bundle's (the floor the mandated SDK, jose and bcryptjs allow): the
   * median of the paired ratios.
   */
  coldRatio: 1.1,
  /** The discovery routes serve a fixed document. */
  discoveryWarmMs: 1,
  bundleKb: 700,
  /** Bundle caps of their own (DESIGN: the WebAuthn library's ~330 KB; the small routes 500 KB). */
  bundleKbOf: {
    'passkey-login': 950,
    'oauth-passkey': 950,
    'passkey-register': 950,
    'passkey-options': 500,
    'passkey-register-options': 500,
    'passkey-list': 500,
    'passkey-rename': 500,
    'mfa-status': 500,
    'totp-setup': 510,
    authorize: 480,
    // DESIGN's caps: the hosted password login as /auth/token, the MFA step with otpauth, the passkey
    // login and the token endpoint with the WebAuthn library.
    'hosted-password': 500,
    'hosted-mfa': 510,
    'hosted-passkey': 950,
    consent: 500,
    'code-grant': 950,
    'sso-logout': 500,
    register: 500,
    userinfo: 500,
    'client-credentials': 950,
    // The token endpoint's function, whatever the grant (DESIGN: 950 KB with the WebAuthn library).
    'oauth-password': 950,
    'oauth-refresh': 950,
    metadata: 40,
  } as Partial<Record<RouteName, number>>,
  /** The new functions' cold-start budget over an essential bundle holding the same library. */
  coldRatioOf: Object.fromEntries(
    [...PASSKEY_AND_MFA_ROUTES, ...AUTHORIZATION_ROUTES].map((r) => [r, 1.15]),
  ) as Partial<Record<RouteName, number>>,
  // A login: one read, a place taken and given back in the username's and the IP's failure counts
  // (four writes: the brute-force rule under concurrency), the session, the session cap's query.
  ddb: {
    token: 7,
    refresh: 2,
    'oauth-password': 7,
    'oauth-refresh': 2,
    logout: 1,
    me: 1,
    discovery: 0,
    jwks: 0,
    // The read, two places and their return, the caller's session and the user moved to the new
    // credential version, the index query for the other sessions (none here to tidy).
    'password-change': 8,
    // Requests of every kind (DynamoDB and SQS). Forgot and resend: the IP's count and the hand-off,
    // whoever is named (the mail worker does the rest after the answer).
    forgot: 2,
    resend: 2,
    // The token read and used up, the lockout cleared, the user written, the index query for tidying.
    reset: 5,
    // The IP's count, the name's look-alike claim (NAME#), the user, the hand-off of the message.
    signup: 4,
    // The token read and used up, the user marked verified.
    verify: 3,
    // The challenge written (a usernameless login: no passkeys to list).
    'passkey-options': 1,
    // The challenge used up; the passkey beside the IP's place (read, taken); the user with the
    // lever's item; the counter; the session beside the place's return and the cap's query.
    'passkey-login': 8,
    'oauth-passkey': 8,
    // The caller (with the user handle, made at the first registration); the passkeys to exclude (the
    // index, the items); the challenge.
    'passkey-register-options': 4,
    // The caller; the challenge used up; the passkey.
    'passkey-register': 3,
    // The caller; the index; the items.
    'passkey-list': 3,
    // The caller; the rename.
    'passkey-rename': 2,
    // The caller with the TOTP state (one read) beside the passkeys counted on the index.
    'mfa-status': 2,
    // The caller with the TOTP state; the pending secret.
    'totp-setup': 2,
    // The client (its cache holds it afterwards: warm, the pending authorization alone).
    authorize: 1,
    // The pending authorization read; a login's (the user beside the two places; the SSO session
    // beside their return and the cap's query); the code; the pending one used up.
    'hosted-password': 10,
    // The pending authorization and the MFA step read; the user beside the two places; the step
    // recorded; the MFA step used up; the session beside both attempts' places back (four writes:
    // each place is given back against the record its attempt wrote; the floor is two) and the cap's
    // query; the code; the pending one used up.
    'hosted-mfa': 16,
    // The pending authorization read; a passkey login's eight; the code; the pending one used up.
    'hosted-passkey': 11,
    // The pending authorization read (its user set at login); the code; the pending one used up.
    consent: 3,
    // The code read; the user with the lever's item; the code marked used; the session beside the cap's query.
    'code-grant': 5,
    // The SSO session; its user; its delete.
    'sso-logout': 3,
    // The IP's hourly count; the client.
    register: 2,
    // The caller's session and user (as /users/me).
    userinfo: 1,
    // The client is cached after the first request: nothing warm.
    'client-credentials': 0,
    metadata: 0,
  } as Record<RouteName, number>,
  /**
   * Sequential round trips (waves of requests) where the floor is known (docs/performance.md "Round
   * trips"): a login is its read beside the two places, then the session beside their return; a
   * password change the same, and the user's write last.
   */
  seq: {
    token: 2,
    'oauth-password': 2,
    refresh: 2,
    'oauth-refresh': 2,
    logout: 1,
    me: 1,
    'password-change': 3,
    'mfa-status': 1,
    'totp-setup': 2,
    // The challenge; the passkey beside the IP's place; the user; the counter; the session beside the rest.
    'passkey-login': 5,
    'oauth-passkey': 5,
    // The pending authorization; the login's two; the code; the pending one used up.
    'hosted-password': 5,
    // As above, with the MFA step's read after the pending authorization's (the floor, 7, reads them together).
    'hosted-mfa': 8,
    // The passkey login's five between the pending authorization's read and the code's two writes.
    'hosted-passkey': 8,
    consent: 3,
    // The code; the user; the mark; the session beside the cap's query.
    'code-grant': 4,
    'sso-logout': 3,
    register: 2,
  } as Partial<Record<RouteName, number>>,
};
/** Routes measured against another route's essential work (the same rules, another wire format). */
export const ESSENTIAL_OF: Partial<Record<RouteName, RouteName>> = {
  'oauth-password': 'token',
  'oauth-refresh': 'refresh',
  'oauth-passkey': 'passkey-login',
};
/** The essential bundle's entry of the routes whose functions bundle a library of their own (else essential.mjs). */
export const ESSENTIAL_ENTRY: Partial<Record<RouteName, string>> = {
  'passkey-login': 'bench/essential-webauthn.mjs',
  'oauth-passkey': 'bench/essential-webauthn.mjs',
  'passkey-register': 'bench/essential-webauthn.mjs',
  'hosted-passkey': 'bench/essential-webauthn.mjs',
  'totp-setup': 'bench/essential-otpauth.mjs',
  'hosted-mfa': 'bench/essential-otpauth.mjs',
};
export const isDiscovery = (route: string) => route === 'discovery' || route === 'jwks' || route === 'metadata';
/** The clients the bench seeds (bench/bench.ts): a public app for authorize, a service for client_credentials. */
export const BENCH_APP = { id: 'bench-app', redirectUri: 'https://app.bench.example/callback' };
export const BENCH_SERVICE = { id: 'bench-service', secret: 'bench-service-secret-0123456789' };
/** A third-party public app: its logins end on the consent page, which the consent route answers. */
export const BENCH_THIRD = { id: 'bench-third', redirectUri: 'https://third.bench.example/callback' };
for (const override of args.target ?? []) {
  const [name, value] = override.split('=');
  const scalar = ['ratio', 'slackMs', 'coldMs', 'coldRatio', 'discoveryWarmMs', 'bundleKb'];
  if (!scalar.includes(name) || !Number.isFinite(Number(value))) {
    console.error(`bench: --target takes one of ${scalar.join(', ')}=<number>, got "${override}"`);
    process.exit(2);
  }
  (TARGETS as unknown as Record<string, number>)[name] = Number(value);
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
export const log = (msg: string) => process.stderr.write(`${msg}\n`);
