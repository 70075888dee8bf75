import middy from '@middy/core';
import { httpErrors } from './errors';
import { withMetrics } from './metrics';
import type { HttpEvent, HttpResult } from './types';

/** Wraps a route's core in middy with the shared error mapping. */
export const httpHandler = (core: (event: HttpEvent) => Promise<HttpResult>) =>
  withMetrics(middy<HttpEvent, HttpResult>().use(httpErrors()).handler(core));
