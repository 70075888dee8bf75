import { Logger } from '@aws-lambda-powertools/logger';
import type { Audit } from '../core/auth';

/**
 * One structured JSON logger per process. Level from POWERTOOLS_LOG_LEVEL (or the Lambda's
 * log level). Callers pass only named fields: never an event, a header, a body or a token.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'auth-api' });

/** Audit events as one JSON line each (`audit: true` makes them easy to filter in CloudWatch Logs Insights). */
export const audit: Audit = (event, fields) => {
  logger.info(event, { audit: true, event, ...fields });
};
