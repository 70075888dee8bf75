import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { appNameProblem } from '../functions/core/config';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlTowerChecks } from './compliance';
import { clientFromContext } from './clients';
import { AuthStack, type AuthStackProps } from './auth-stack';

/**
 * The stack's settings from CDK context (`-c key=value` or cdk.json); absent keys keep the defaults
 * (docs/configuration.md). A key that looks like one of ours but is none (a typo) fails, naming the
 * nearest setting: a silently ignored `-c allowedOrigin=...` would deploy without the origin.
 */
export function stackPropsFromContext(app: App): AuthStackProps {
  const known = new Set(['stackName']);
  const ctx = (key: string): string | undefined => {
    known.add(key);
    const v = app.node.tryGetContext(key);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  // JSON settings: an object or array in cdk.json, or its text from `-c key='...'`.
  const json = (key: string): unknown => {
    known.add(key);
    const v = app.node.tryGetContext(key);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      throw new Error(`context ${key} must be JSON, got "${v}"`);
    }
  };
  const props = { ...propsFrom(ctx), ...oauthFrom(json), ...eventsFrom(json) };
  refuseUnknownContext(Object.keys(app.node.getAllContext()), [...known]);
  return props;
}

/** The authorization server's settings: `scopes` (an object), `clients` (an array), `allowUnregisteredClients`. */
function oauthFrom(json: (key: string) => unknown): Partial<AuthStackProps> {
  const scopes = json('scopes');
  if (scopes !== undefined && (typeof scopes !== 'object' || Array.isArray(scopes)))
    throw new Error('context scopes must be a JSON object of scope names to consent texts');
  const clients = json('clients');
  if (clients !== undefined && !Array.isArray(clients)) throw new Error('context clients must be a JSON array');
  const allow = json('allowUnregisteredClients');
  if (allow !== undefined && typeof allow !== 'boolean')
    throw new Error('context allowUnregisteredClients must be true or false');
  return {
    ...(scopes ? { scopes: scopes as Record<string, string> } : {}),
    ...(clients ? { clients: (clients as Record<string, unknown>[]).map(clientFromContext) } : {}),
    ...(allow === undefined ? {} : { allowUnregisteredClients: allow }),
  };
}

/** `eventWebhooks`: a JSON array of webhooks (lib/events.ts checks each one's values). */
function eventsFrom(json: (key: string) => unknown): Partial<AuthStackProps> {
  const hooks = json('eventWebhooks');
  if (hooks === undefined) return {};
  const fields = ['name', 'url', 'events', 'apiKeySecret', 'apiKeyHeader', 'rateLimitPerSecond'];
  if (!Array.isArray(hooks) || hooks.some((h) => typeof h !== 'object' || h === null || Array.isArray(h)))
    throw new Error('context eventWebhooks must be a JSON array of objects (docs/events.md "A webhook")');
  for (const hook of hooks as Record<string, unknown>[]) {
    const unknown = Object.keys(hook).filter((k) => !fields.includes(k));
    if (unknown.length > 0) throw new Error(`context eventWebhooks: unknown field(s) ${unknown.join(', ')}`);
    if (hook.events !== undefined && (!Array.isArray(hook.events) || hook.events.some((e) => typeof e !== 'string')))
      throw new Error('context eventWebhooks: events must be an array of event names');
  }
  return { eventWebhooks: hooks as AuthStackProps['eventWebhooks'] };
}

/**
 * Context keys that are plain words are this stack's settings; CDK's own (`aws:cdk:...`,
 * `@aws-cdk/...`, `availability-zones:...`) and other tools' have a `:`, `@`, `/` or `-` in them.
 */
function refuseUnknownContext(keys: string[], known: string[]): void {
  for (const key of keys) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key) || known.includes(key)) continue;
    const nearest = [...known].sort((a, b) => distance(key, a) - distance(key, b))[0];
    throw new Error(
      `context ${key} is not a setting of this stack: did you mean ${nearest}? (docs/configuration.md lists them)`,
    );
  }
}

/** Edit distance, ignoring case: how far a typed key is from a known one. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    row = next;
  }
  return row[y.length];
}

function propsFrom(ctx: (key: string) => string | undefined): AuthStackProps {
  const num = (key: string) => {
    const v = ctx(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`context ${key} must be a whole number, got "${v}"`);
    return Number(v);
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const v = ctx(key);
    if (v !== undefined && !allowed.includes(v as T)) {
      throw new Error(`context ${key} must be one of ${allowed.join(', ')}, got "${v}"`);
    }
    return v as T | undefined;
  };
  const bool = (key: string) => oneOf(key, ['true', 'false'] as const);
  const rate = num('throttleRateLimit');
  const burst = num('throttleBurstLimit');
  const loginRate = num('loginThrottleRateLimit');
  const loginBurst = num('loginThrottleBurstLimit');
  return {
    accessTokenTtlSeconds: num('accessTokenTtlSeconds'),
    refreshTokenTtlSeconds: num('refreshTokenTtlSeconds'),
    sessionMaxSeconds: num('sessionMaxSeconds'),
    refreshReuseGraceSeconds: num('refreshReuseGraceSeconds'),
    maxSessionsPerUser: num('maxSessionsPerUser'),
    allowedOrigins: ctx('allowedOrigins')
      ?.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    cookiePath: ctx('cookiePath'),
    cookieHostPrefix: bool('cookieHostPrefix') === 'true',
    cookieSameSite: oneOf('cookieSameSite', ['Lax', 'Strict', 'None'] as const),
    cookieSecure: bool('cookieSecure') === undefined ? undefined : bool('cookieSecure') === 'true',
    bcryptCost: num('bcryptCost'),
    loginMaxFailures: num('loginMaxFailures'),
    loginLockBaseSeconds: num('loginLockBaseSeconds'),
    loginLockMaxSeconds: num('loginLockMaxSeconds'),
    loginFailureWindowSeconds: num('loginFailureWindowSeconds'),
    loginIpMaxFailures: num('loginIpMaxFailures'),
    logLevel: oneOf('logLevel', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const),
    loginThrottle:
      loginRate !== undefined || loginBurst !== undefined
        ? { rateLimit: loginRate ?? 20, burstLimit: loginBurst ?? 40 }
        : undefined,
    throttle:
      rate !== undefined || burst !== undefined ? { rateLimit: rate ?? 100, burstLimit: burst ?? 200 } : undefined,
    removalPolicy: bool('destroyOnRemoval') === 'true' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    signingKeyRotationDays: num('signingKeyRotationDays'),
    defaultClientId: ctx('defaultClientId'),
    samLocal: bool('samLocal') === 'true',
    customDomain: customDomainFromContext(ctx),
    disableExecuteApiEndpoint: bool('disableExecuteApiEndpoint') === 'true',
    logRetention: logRetentionFromContext(num('logRetentionDays')),
    adoptTableName: tableNameFromContext(ctx('adoptTableName')),
    monitoring: bool('monitoring') !== 'false',
    alarmEmail: emailFromContext(ctx('alarmEmail')),
    alarmThresholds: {
      api5xxPercent: num('alarm5xxPercent'),
      latencyP99Ms: num('alarmLatencyP99Ms'),
      passwordLatencyP99Ms: num('alarmPasswordLatencyP99Ms'),
      loginFailedPer5Minutes: num('alarmLoginFailedPer5Minutes'),
      loginLockedPer5Minutes: num('alarmLoginLockedPer5Minutes'),
      mfaFailedPer5Minutes: num('alarmMfaFailedPer5Minutes'),
      clientAuthFailedPer5Minutes: num('alarmClientAuthFailedPer5Minutes'),
      clientRegisteredPerHour: num('alarmClientRegisteredPerHour'),
    },
    encryptLogs: bool('encryptLogs') === 'true',
    tracing: bool('tracing') === 'true',
    emailFrom: ctx('emailFrom'),
    emailIdentity: ctx('emailIdentity'),
    passwordResetUrl: ctx('passwordResetUrl'),
    emailVerifyUrl: ctx('emailVerifyUrl'),
    allowSignup: bool('allowSignup') === 'true',
    requireEmailVerification:
      bool('requireEmailVerification') === undefined ? undefined : bool('requireEmailVerification') === 'true',
    signupIpMaxPerHour: num('signupIpMaxPerHour'),
    dynamicClientRegistration: bool('dynamicClientRegistration') === 'true',
    legacyMigrationFunction: ctx('legacyMigrationFunction'),
    unknownUserHash: ctx('unknownUserHash'),
    eventBus: ctx('eventBus'),
    dcrIpMaxPerHour: num('dcrIpMaxPerHour'),
    appName: appNameFromContext(ctx('appName')),
    reauthMaxAgeSeconds: num('reauthMaxAgeSeconds'),
    webauthnRpId: ctx('webauthnRpId'),
    webauthnOrigins: ctx('webauthnOrigins')
      ?.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    maxPasskeysPerUser: num('maxPasskeysPerUser'),
  };
}

/** `appName`: the TOTP issuer and WebAuthn relying party name (no colon: functions/core/config.ts). */
function appNameFromContext(name: string | undefined): string | undefined {
  const problem = name === undefined ? undefined : appNameProblem(name);
  if (problem) throw new Error(`context appName: ${problem.replace('APP_NAME ', '')}`);
  return name;
}

/** `alarmEmail`: one address. */
function emailFromContext(email: string | undefined): string | undefined {
  if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new Error(`context alarmEmail must be an email address, got "${email}"`);
  }
  return email;
}

/** `adoptTableName`: a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ - .). */
function tableNameFromContext(name: string | undefined): string | undefined {
  if (name !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
    throw new Error(`context adoptTableName must be a DynamoDB table name, got "${name}"`);
  }
  return name;
}

/** `logRetentionDays`: one of the periods CloudWatch Logs offers (9999: never expire). */
function logRetentionFromContext(days: number | undefined): RetentionDays | undefined {
  if (days === undefined) return undefined;
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) {
    throw new Error(`context logRetentionDays must be one of ${allowed.sort((a, b) => a - b).join(', ')}, got ${days}`);
  }
  return days as RetentionDays;
}

/** `domainName` + `certificateArn` (+ `hostedZoneId` and `hostedZoneName` for the DNS records), all or none. */
function customDomainFromContext(ctx: (key: string) => string | undefined) {
  const domainName = ctx('domainName');
  const certificateArn = ctx('certificateArn');
  const [zoneId, zoneName] = [ctx('hostedZoneId'), ctx('hostedZoneName')];
  if (!domainName && !certificateArn && !zoneId && !zoneName) {
    if (ctx('dnsReady') !== undefined) throw new Error('context dnsReady goes with a custom domain (domainName)');
    return undefined;
  }
  if (!domainName || !certificateArn) throw new Error('context domainName and certificateArn go together');
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)) {
    throw new Error(`context domainName must be a lower-case DNS name like api.example.com, got "${domainName}"`);
  }
  if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(certificateArn)) {
    throw new Error(`context certificateArn must be an ACM certificate ARN, got "${certificateArn}"`);
  }
  if (!zoneId !== !zoneName) throw new Error('context hostedZoneId and hostedZoneName go together');
  const dnsReady = ctx('dnsReady');
  if (dnsReady !== undefined && dnsReady !== 'true' && dnsReady !== 'false')
    throw new Error(`context dnsReady must be one of true, false, got "${dnsReady}"`);
  return {
    domainName,
    certificateArn,
    hostedZone: zoneId && zoneName ? { id: zoneId, name: zoneName } : undefined,
    dnsReady: dnsReady !== 'false',
  };
}

/**
 * The CDK app: the auth stack, configured from CDK context, checked by cdk-nag's AwsSolutions pack
 * and AWS Control Tower's proactive controls. Any finding not acknowledged with a reason fails the
 * synth. `controlTower: false` leaves the controls out (11 s of cfn-guard per synth): for the infra
 * tests about something else, which `npm run test:exhaustive` runs with them on.
 */
export function buildApp(
  app = new App(),
  { controlTower = true }: { controlTower?: boolean } = {},
): {
  app: App;
  stack: AuthStack;
  nag: AwsSolutionsChecks;
  guard?: ControlTowerChecks;
} {
  const stack = new AuthStack(app, app.node.tryGetContext('stackName') || 'AuthApi', {
    description: 'Serverless auth API: password login, JWT access tokens, revocable refresh-token sessions',
    ...stackPropsFromContext(app),
  });
  const nag = new AwsSolutionsChecks(app);
  // AWS Control Tower's proactive controls, offline (cfn-guard and the rules ship in the package).
  const guard = controlTower ? new ControlTowerChecks() : undefined;
  Validations.of(app).addPlugins(nag, ...(guard ? [guard] : []));
  return { app, stack, nag, guard };
}
