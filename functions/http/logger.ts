import { Logger } from '@aws-lambda-powertools/logger';
import type { Audit } from '../core/auth';
import type { ServiceUnavailableError } from '../core/errors';
import { queueEvent, whenEventsLost } from './events';
import { countEvent } from './metrics';

/**
 * One structured JSON logger per process. Level from POWERTOOLS_LOG_LEVEL (or the Lambda's
 * log level). Callers pass only named fields: never an event, a header, a body or a token.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'auth-api' });

/**
 * Audit events as one JSON line each (`audit: true` makes them easy to filter in CloudWatch Logs
 * Insights), counted, and queued for the event bus (published as the invocation ends: http/events.ts).
 */
export const audit: Audit = (event, fields) => {
  logger.info(event, { audit: true, event, ...fields });
  countEvent(event);
  queueEvent(event, fields);
};

// Events the bus did not take: counted by withMetrics (`events_unpublished`, alarmed), named here.
whenEventsLost((lost, errorName) => logger.warn('events_unpublished', { lost, errorName }));

/** Housekeeping that failed after the answer was decided: names only (an SDK message may quote keys). */
export const housekeepingFailed = (event: string) => (err: unknown) =>
  logger.warn(event, {
    errorName: (err as Error)?.name,
    causeName: ((err as Error)?.cause as Error | undefined)?.name,
  });

/**
 * `dependency_unavailable`, with the dependency and the error's name and code only: SDK messages can echo request
 * parameters.
 */
export function dependencyUnavailable(err: ServiceUnavailableError): void {
  const cause = err.cause as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  logger.error('dependency_unavailable', {
    dependency: err.dependency,
    errorName: cause?.name,
    errorCode: cause?.code,
    httpStatus: cause?.$metadata?.httpStatusCode,
  });
}
