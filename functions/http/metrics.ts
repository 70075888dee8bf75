import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { AuditEvent } from '../core/auth';
import { withEvents } from './events';

/**
 * The audit events that become CloudWatch metrics (docs/operations.md), written as CloudWatch
 * embedded metric format (EMF) lines in the function's own log: no PutMetricData call, no extra
 * latency, and the same line is both the metric and its evidence. One namespace, one dimension
 * (`service`), so every function's counts add up; lib/monitoring.ts alarms on these names.
 */
export const METRICS_NAMESPACE = 'AuthApi';

export const METRIC_EVENTS = [
  'login_succeeded',
  'login_failed',
  'login_locked',
  'refresh',
  'refresh_token_reuse',
  'logout',
  'logout_all',
  'session_deleted',
  'session_evicted',
  'password_changed',
  'password_reset',
  'signup',
  'mfa_required',
  'mfa_failed',
  'recovery_code_used',
  'recovery_codes_regenerated',
  'totp_enabled',
  'totp_disabled',
  'passkey_registered',
  'passkey_deleted',
  'passkey_clone_suspected',
  'client_auth_failed',
  'client_token_issued',
  'client_registered',
  'authorization_code_issued',
  'authorization_code_reuse',
  'consent_granted',
  'consent_denied',
  'sso_logout',
  'user_migrated',
  'user_migration_refused',
] as const satisfies readonly AuditEvent[];

export type MetricEvent = (typeof METRIC_EVENTS)[number];

/** Audit events an invocation could not put on the event bus (docs/events.md "When the bus fails"). */
export const EVENTS_UNPUBLISHED = 'events_unpublished';

// Made when the first event is counted: a function that counts none (/users/me, the discovery
// routes) never builds it (docs/performance.md "Where a cold start's time goes").
let metrics: Metrics | undefined;

/** Counts one audit event, if it is one of the measured ones. */
export function countEvent(event: AuditEvent): void {
  if (!(METRIC_EVENTS as readonly string[]).includes(event)) return;
  counts().addMetric(event, MetricUnit.Count, 1);
}

function countUnpublished(lost: number): void {
  counts().addMetric(EVENTS_UNPUBLISHED, MetricUnit.Count, lost);
}

function counts(): Metrics {
  metrics ??= new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'auth-api',
  });
  return metrics;
}

/** Writes the counts of this invocation (one EMF line), if there are any. */
export function publishMetrics(): void {
  if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/**
 * Runs an invocation and, however it ends, publishes its events (one PutEvents: it never throws)
 * and then its counts, which include the events the bus did not take.
 */
export const withMetrics =
  <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    const context = args[1] as { functionName?: string } | undefined;
    try {
      return await withEvents({ functionName: context?.functionName }, () => fn(...args), countUnpublished);
    } finally {
      publishMetrics();
    }
  };
