import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EVENTS_UNPUBLISHED, METRICS_NAMESPACE, type MetricEvent } from '../functions/http/metrics';
import type { Route } from '../functions/routes';
import { compliantKey } from './compliance';
import type { AuthEvents } from './events';
import type { RouteFunction } from './route-function';

/** What the alarms watch for (docs/operations.md "Runbook" says what each means). */
export interface AlarmThresholds {
  /** Percent of requests answered 5xx in 5 minutes (default 1). */
  api5xxPercent?: number;
  /** p99 latency of a route over 5 minutes, ms (default 1000)... */
  latencyP99Ms?: number;
  /** ...and of the routes that run bcrypt (login, password change, reset, sign-up; default 3000). */
  passwordLatencyP99Ms?: number;
  /** Failed logins in 5 minutes, all users (default 100). */
  loginFailedPer5Minutes?: number;
  /** Locked-out login attempts in 5 minutes (default 20). */
  loginLockedPer5Minutes?: number;
  /** Wrong second factors (codes, recovery codes, dead MFA tokens) in 5 minutes (default 50). */
  mfaFailedPer5Minutes?: number;
  /** Failed client authentications at the OAuth endpoints in 5 minutes (default 50). */
  clientAuthFailedPer5Minutes?: number;
  /** Dynamically registered clients in an hour (default 100). */
  clientRegisteredPerHour?: number;
}

export interface MonitoringProps extends AlarmThresholds {
  api: HttpApi;
  stage: HttpStage;
  table: ITableV2;
  /** The deployed routes and their functions, by handler name. */
  routes: readonly Route[];
  functions: Record<string, RouteFunction>;
  /** POWERTOOLS_SERVICE_NAME of the functions: the dimension of the audit metrics. */
  service: string;
  /** An address that gets every alarm by email (it must confirm the subscription). */
  alarmEmail?: string;
  removalPolicy: RemovalPolicy;
  /** The event bus and the webhooks' dead letters, when events are on. */
  events?: AuthEvents;
  /** Lazy migration on (context legacyMigrationFunction): the dashboard shows how many users still move. */
  legacyMigration?: boolean;
}

/** The routes whose handlers run bcrypt: slower by design, so a latency threshold of their own. */
const PASSWORD_ROUTES = ['token', 'oauth2-token', 'password-change', 'password-reset', 'signup'];
const FIVE_MINUTES = Duration.minutes(5);
/** The DynamoDB operations the functions use (SystemErrors is reported per operation). */
const TABLE_OPERATIONS = ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'];

/**
 * Alarms on what an operator must hear about, sent to one SNS topic, and a dashboard. Every metric
 * is one AWS emits (API Gateway with detailed metrics on the stage, Lambda, DynamoDB) or one the code
 * writes (the audit counts, functions/http/metrics.ts): the infra test checks each alarm's
 * namespace, name and dimensions against those sources.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Record<string, Alarm> = {};
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // CloudWatch must be able to use the topic's key to publish to it (AWS's own SNS key does not allow that).
    const key = compliantKey(this, 'TopicKey', 'Encrypts the auth API alarm topic', props.removalPolicy);
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Alarms', { masterKey: key, enforceSSL: true, displayName: 'Auth API alarms' });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const apiDims = { ApiId: props.api.apiId, Stage: props.stage.stageName };
    const gateway = (metricName: string, statistic: string, dims: Record<string, string> = apiDims) =>
      new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: dims, statistic, period: FIVE_MINUTES });
    const audit = (event: MetricEvent | typeof EVENTS_UNPUBLISHED) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: event,
        dimensionsMap: { service: props.service },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });

    this.alarm('Api5xxRate', {
      metric: new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { errors: gateway('5xx', 'Sum'), requests: gateway('Count', 'Sum') },
        period: FIVE_MINUTES,
        label: 'API 5xx (%)',
      }),
      threshold: props.api5xxPercent ?? 1,
      description: 'More than the threshold percent of requests answered 5xx in 5 minutes',
    });

    const latencies: IMetric[] = [];
    for (const route of props.routes) {
      const p99 = gateway('Latency', 'p99', { ...apiDims, Method: route.method, Resource: route.path });
      latencies.push(p99.with({ label: `${route.method} ${route.path}` }));
      const threshold = PASSWORD_ROUTES.includes(route.name)
        ? (props.passwordLatencyP99Ms ?? 3000)
        : (props.latencyP99Ms ?? 1000);
      this.alarm(`Latency-${route.name}`, {
        metric: p99,
        threshold,
        description: `p99 latency of ${route.method} ${route.path} above ${threshold} ms over 5 minutes`,
      });
    }

    for (const [handler, fn] of Object.entries(props.functions)) {
      if (handler !== 'signing-keys') this.watchFunction(handler, fn); // its own alarm below
    }
    const keys = props.functions['signing-keys'];
    if (keys) {
      this.alarm('SigningKeyRotationFailed', {
        metric: keys.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
        threshold: 1,
        description: 'A rotation (or the first key set) of the access-token signing keys failed',
        inclusive: true,
      });
    }

    const tableDims = { TableName: props.table.tableName };
    const dynamo = (metricName: string, dims: Record<string, string> = tableDims) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: dims,
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });
    this.alarm('DynamoThrottled', {
      metric: new MathExpression({
        expression: 'reads + writes',
        usingMetrics: { reads: dynamo('ReadThrottleEvents'), writes: dynamo('WriteThrottleEvents') },
        period: FIVE_MINUTES,
        label: 'DynamoDB throttle events',
      }),
      threshold: 1,
      description: 'DynamoDB throttled requests to the table',
      inclusive: true,
    });
    const systemErrors = Object.fromEntries(
      TABLE_OPERATIONS.map((op) => [`e${op}`, dynamo('SystemErrors', { ...tableDims, Operation: op })]),
    );
    this.alarm('DynamoSystemErrors', {
      metric: new MathExpression({
        expression: Object.keys(systemErrors).join(' + '),
        usingMetrics: systemErrors,
        period: FIVE_MINUTES,
        label: 'DynamoDB system errors',
      }),
      threshold: 1,
      description: 'DynamoDB answered requests to the table with a 500 (its own failure)',
      inclusive: true,
    });

    this.alarm('RefreshTokenReuse', {
      metric: audit('refresh_token_reuse'),
      threshold: 1,
      description: 'A rotated refresh token was replayed: its session was ended (a stolen token, or a buggy client)',
      inclusive: true,
    });
    this.alarm('LoginFailures', {
      metric: audit('login_failed'),
      threshold: props.loginFailedPer5Minutes ?? 100,
      description: 'More failed logins than the threshold in 5 minutes (password guessing?)',
    });
    this.alarm('LoginLockouts', {
      metric: audit('login_locked'),
      threshold: props.loginLockedPer5Minutes ?? 20,
      description: 'More locked-out login attempts than the threshold in 5 minutes',
    });
    this.alarm('PasskeyCloneSuspected', {
      metric: audit('passkey_clone_suspected'),
      threshold: 1,
      description: "A passkey's signature counter went backwards: the authenticator may be cloned (docs/passkeys.md)",
      inclusive: true,
    });
    this.alarm('AuthorizationCodeReuse', {
      metric: audit('authorization_code_reuse'),
      threshold: 1,
      description:
        'An authorization code was redeemed twice: the session it started was ended (a stolen code?) ' +
        '(docs/authorization-server.md)',
      inclusive: true,
    });
    this.alarm('ClientAuthFailures', {
      metric: audit('client_auth_failed'),
      threshold: props.clientAuthFailedPer5Minutes ?? 50,
      description:
        'More failed client authentications than the threshold in 5 minutes (a leaked id, a guessed secret?)',
    });
    this.alarm('ClientRegistrations', {
      metric: audit('client_registered').with({ period: Duration.hours(1) }),
      threshold: props.clientRegisteredPerHour ?? 100,
      description: 'More dynamically registered clients than the threshold in an hour (registration abuse?)',
    });
    this.alarm('MfaFailures', {
      metric: audit('mfa_failed'),
      threshold: props.mfaFailedPer5Minutes ?? 50,
      description:
        'More wrong second factors than the threshold in 5 minutes: someone holding passwords is guessing codes',
    });
    if (props.events) this.watchEvents(props.events, audit(EVENTS_UNPUBLISHED));

    // Users still arriving through the legacy function: when it stays flat, the context can go
    // (docs/importing-users.md "When to turn it off").
    const migration = new GraphWidget({
      title: 'Lazy migration',
      left: [audit('user_migrated')],
      right: [audit('user_migration_refused')],
      width: 24,
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new GraphWidget({
            title: 'Requests and errors',
            left: [gateway('Count', 'Sum'), gateway('4xx', 'Sum'), gateway('5xx', 'Sum')],
            width: 12,
          }),
          new GraphWidget({ title: 'Route latency p99 (ms)', left: latencies, width: 12 }),
        ],
        [
          new GraphWidget({
            title: 'Login outcomes',
            left: (['login_succeeded', 'login_failed', 'login_locked'] as const).map(audit),
            width: 12,
          }),
          new GraphWidget({
            title: 'Sessions started and ended',
            left: [audit('login_succeeded').with({ label: 'started (logins)' })],
            right: (
              [
                'logout',
                'logout_all',
                'session_deleted',
                'session_evicted',
                'refresh_token_reuse',
                'password_reset',
              ] as const
            ).map(audit),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Second factors',
            left: (['mfa_required', 'mfa_failed', 'recovery_code_used'] as const).map(audit),
            right: (['totp_enabled', 'totp_disabled', 'recovery_codes_regenerated'] as const).map(audit),
            width: 12,
          }),
          new GraphWidget({
            title: 'Passkeys',
            left: (['passkey_registered', 'passkey_deleted'] as const).map(audit),
            right: [audit('passkey_clone_suspected')],
            width: 12,
          }),
        ],
        ...(props.legacyMigration ? [[migration]] : []),
        [
          new GraphWidget({
            title: 'DynamoDB consumed capacity',
            left: [dynamo('ConsumedReadCapacityUnits'), dynamo('ConsumedWriteCapacityUnits')],
            width: 12,
          }),
          new GraphWidget({
            title: 'Function errors',
            left: Object.entries(props.functions).map(([h, fn]) =>
              fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum', label: h }),
            ),
            width: 12,
          }),
        ],
      ],
    });
  }

  /** The bus must take every event, and a webhook's receiver every one the bus routes to it. */
  private watchEvents(events: AuthEvents, unpublished: IMetric): void {
    this.alarm('EventsUnpublished', {
      metric: unpublished,
      threshold: 1,
      description:
        'Audit events the event bus did not take (PutEvents failed or throttled); the requests were answered ' +
        '(docs/events.md "When the bus fails")',
      inclusive: true,
    });
    if (!events.deadLetters) return;
    this.alarm('WebhookDeadLetters', {
      metric: events.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      }),
      threshold: 1,
      description: 'Events a webhook did not take for a day are in the dead-letter queue (docs/events.md)',
      inclusive: true,
    });
  }

  /** Alarms on a function's errors and throttles (a team's own routes are added as they come). */
  watchFunction(name: string, fn: RouteFunction): void {
    this.alarm(`Errors-${name}`, {
      metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      description: `${name}: the function failed (an exception, a timeout, out of memory)`,
      inclusive: true,
    });
    this.alarm(`Throttles-${name}`, {
      metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 1,
      description: `${name}: Lambda refused invocations (account or function concurrency)`,
      inclusive: true,
    });
  }

  private alarm(
    id: string,
    {
      metric,
      threshold,
      description,
      inclusive,
    }: { metric: IMetric; threshold: number; description: string; inclusive?: boolean },
  ): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: inclusive
        ? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        : ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No traffic is no trouble.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms[id] = alarm;
  }
}
