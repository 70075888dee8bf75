import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlTowerChecks } from './compliance';
import { AuthStack, type AuthStackProps } from './auth-stack';

/** The stack's settings from CDK context (`-c key=value` or cdk.json); absent keys keep the defaults. */
export function stackPropsFromContext(app: App): AuthStackProps {
  const ctx = (key: string): string | undefined => {
    const v = app.node.tryGetContext(key);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
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
  };
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
  if (!domainName && !certificateArn && !zoneId && !zoneName) return undefined;
  if (!domainName || !certificateArn) throw new Error('context domainName and certificateArn go together');
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)) {
    throw new Error(`context domainName must be a lower-case DNS name like api.example.com, got "${domainName}"`);
  }
  if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(certificateArn)) {
    throw new Error(`context certificateArn must be an ACM certificate ARN, got "${certificateArn}"`);
  }
  if (!zoneId !== !zoneName) throw new Error('context hostedZoneId and hostedZoneName go together');
  return { domainName, certificateArn, hostedZone: zoneId && zoneName ? { id: zoneId, name: zoneName } : undefined };
}

/**
 * The CDK app: the auth stack, configured from CDK context, checked by cdk-nag's AwsSolutions pack.
 * Any finding not acknowledged with a reason fails the synth.
 */
export function buildApp(app = new App()): {
  app: App;
  stack: AuthStack;
  nag: AwsSolutionsChecks;
  guard: ControlTowerChecks;
} {
  const stack = new AuthStack(app, app.node.tryGetContext('stackName') || 'AuthApi', {
    description: 'Serverless auth API: password login, JWT access tokens, revocable refresh-token sessions',
    ...stackPropsFromContext(app),
  });
  const nag = new AwsSolutionsChecks(app);
  // AWS Control Tower's proactive controls, offline (cfn-guard and the rules ship in the package).
  const guard = new ControlTowerChecks();
  Validations.of(app).addPlugins(nag, guard);
  return { app, stack, nag, guard };
}
