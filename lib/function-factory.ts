import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  entryFile,
  fallbackHandler,
  otherFunctions,
  type ProtectedRoute,
  publishesEvents,
  routes,
} from '../functions/routes';
import type { AuthApiProps } from './auth-api-props';
import { COMMON_ENVIRONMENT } from './environment';
import { RouteFunction, functionId } from './route-function';

/**
 * Memory and timeout per function, from measurement (docs/performance.md "Sizing"): bcrypt is
 * CPU-bound and Lambda gives one full vCPU at 1769 MB, where a cost-10 compare takes ~70 ms; below
 * that, time grows as memory shrinks, so the cost per login stays flat while latency falls. The other
 * routes wait on DynamoDB and do well under a millisecond of CPU: 512 MB keeps cold starts short.
 */
const SIZING: Record<string, { memorySize: number; timeoutSeconds: number }> = {
  token: { memorySize: 1769, timeoutSeconds: 15 },
  // The password grant checks passwords exactly like the login.
  'oauth2-token': { memorySize: 1769, timeoutSeconds: 15 },
  // Checks the current password and hashes the new one: two bcrypt runs.
  'password-change': { memorySize: 1769, timeoutSeconds: 15 },
  // One bcrypt hash each, on the user's own request (not a login flood): half a vCPU is enough.
  'password-reset': { memorySize: 1024, timeoutSeconds: 15 },
  signup: { memorySize: 1024, timeoutSeconds: 15 },
  [fallbackHandler]: { memorySize: 256, timeoutSeconds: 3 },
  // Generates RSA keys (CPU-bound) for the custom resource and each rotation.
  'signing-keys': { memorySize: 1024, timeoutSeconds: 60 },
};
const DEFAULT_SIZING = { memorySize: 512, timeoutSeconds: 10 };

/** The handler file of a function, by its name: a route's, or one of the functions that serve no route. */
const handlerOf = (name: string): string =>
  routes.find((r) => r.name === name)?.handler ?? otherFunctions[name as keyof typeof otherFunctions];

/** Whether a function publishes audit events (AuthApi grants it PutEvents): a writing route's, the mail worker's. */
const publishes = (name: string): boolean => {
  const route = routes.find((r) => r.name === name);
  return route ? publishesEvents(route) : name === 'mail-worker';
};

/** What every function of the API shares: log retention and level, the logs' key, tracing. */
export interface FunctionDefaults {
  logRetention: RetentionDays;
  logLevel: NonNullable<AuthApiProps['logLevel']>;
  logsKey?: IKey;
  tracing: boolean;
  /** Lazy migration configured (context legacyMigrationFunction): the login functions bundle its client. */
  legacyMigration: boolean;
  /** Audit events go to an event bus (context eventBus, not `none`): the functions bundle its client. */
  events: boolean;
}

/**
 * Makes the API's functions, each sized for its work and named for sam local invoke
 * (`token` -> `TokenFunction`), in the AuthApi's own scope (so their logical ids are those of the
 * stack's first release), and keeps each by name.
 */
export class FunctionFactory {
  /** Each function made, by name (`token`, `me`, ..., `not-found`, `signing-keys`, `session-authorizer`). */
  readonly functions: Record<string, RouteFunction> = {};

  constructor(
    private readonly scope: Construct,
    readonly defaults: FunctionDefaults,
  ) {}

  /** A function of the route table (or one of the others), bundled from its handler file. */
  make(name: string, description: string, environment: Record<string, string>): RouteFunction {
    const sizing = SIZING[name] ?? DEFAULT_SIZING;
    const fn = new RouteFunction(this.scope, functionId(name), {
      name,
      entry: entryFile(handlerOf(name)),
      description,
      memorySize: sizing.memorySize,
      timeout: Duration.seconds(sizing.timeoutSeconds),
      environment,
      ...this.defaults,
      // The EventBridge client only where events are published: the other bundles stay as they were.
      events: this.defaults.events && publishes(name),
    });
    this.functions[name] = fn;
    return fn;
  }

  /** A team's own protected route's function: bundled from `route.entry`, allowed nothing but its logs. */
  makeOwn(route: ProtectedRoute): RouteFunction {
    const fn = new RouteFunction(this.scope, functionId(route.name), {
      name: route.name,
      entry: route.entry,
      description: `${route.method} ${route.path} (${route.authorizer} authorizer)`,
      memorySize: DEFAULT_SIZING.memorySize,
      timeout: Duration.seconds(DEFAULT_SIZING.timeoutSeconds),
      environment: COMMON_ENVIRONMENT,
      ...this.defaults,
      events: false,
    });
    this.functions[route.name] = fn;
    return fn;
  }
}
