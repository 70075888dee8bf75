import middy from '@middy/core';
import { httpErrors } from './errors';
import { withMetrics } from './metrics';
import { withTracing } from './tracing';
import type { HttpEvent, HttpResult } from './types';

/** Wraps a route's core in middy with the shared error mapping; counted, and traced when tracing is on. */
export const httpHandler = (core: (event: HttpEvent) => Promise<HttpResult>) =>
  withTracing(withMetrics(middy<HttpEvent, HttpResult>().use(httpErrors()).handler(core)));
