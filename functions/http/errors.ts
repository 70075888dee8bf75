import type { MiddlewareObj } from '@middy/core';
import { HttpError, ServiceUnavailableError } from '../core/errors';
import { logger } from './logger';
import { json } from './response';
import type { HttpEvent, HttpResult } from './types';

/** Maps any thrown error to the contract's JSON answer; the only place errors become HTTP. */
export function errorResponse(err: unknown): HttpResult {
  if (err instanceof HttpError) return json(err.status, { detail: err.detail }, { headers: err.headers });
  if (err instanceof ServiceUnavailableError) {
    // Name and code only: SDK messages can echo request parameters.
    const cause = err.cause as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    logger.error('dependency_unavailable', { dependency: err.dependency, errorName: cause?.name, errorCode: cause?.code, httpStatus: cause?.$metadata?.httpStatusCode });
    return json(503, { detail: 'Service unavailable' });
  }
  const e = err as { name?: string; message?: string; stack?: string };
  logger.error('unhandled_error', { errorName: e?.name, errorMessage: e?.message, stack: e?.stack });
  return json(500, { detail: 'Internal server error' });
}

/**
 * middy's @middy/http-error-handler answers with a plain-text body and only for errors carrying
 * `statusCode`; the contract needs `{"detail": ...}` JSON and a fixed 503/500 vocabulary, so we
 * keep this small onError of our own.
 */
export const httpErrors = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error);
  },
});
