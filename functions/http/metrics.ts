import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { AUDIT_EVENTS, type AuditEvent } from '../core/audit';
import { withEvents } from './events';

/**
 * The audit events that become CloudWatch metrics (docs/operations.md), written as CloudWatch
 * embedded metric format (EMF) lines in the function's own log: no PutMetricData call, no extra
 * latency, and the same line is both the metric and its evidence. One namespace, one dimension
 * (`service`), so every function's counts add up; lib/monitoring.ts alarms on these names.
 */
export const METRICS_NAMESPACE = 'AuthApi';

/** The audit events not counted: requests and confirmations that say nothing an operator watches. */
const NOT_COUNTED = [
  'password_reset_requested',
  'email_verification_requested',
  'email_verified',
  'passkey_renamed',
] as const satisfies readonly AuditEvent[];

export type MetricEvent = Exclude<AuditEvent, (typeof NOT_COUNTED)[number]>;

/** Every other audit event is a metric (docs/operations.md "Metrics"). */
export const METRIC_EVENTS: readonly MetricEvent[] = AUDIT_EVENTS.filter(
  (e): e is MetricEvent => !(NOT_COUNTED as readonly string[]).includes(e),
);

/** Audit events an invocation could not put on the event bus (docs/events.md "When the bus fails"). */
export const EVENTS_UNPUBLISHED = 'events_unpublished';

// Made when the first event is counted: a function that counts none (/users/me, the discovery
// routes) never builds it (docs/performance.md "Where a cold start's time goes").
let metrics: Metrics | undefined;

/** Counts one audit event, if it is one of the measured ones. */
export function countEvent(event: AuditEvent): void {
  if ((NOT_COUNTED as readonly string[]).includes(event)) return;
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
