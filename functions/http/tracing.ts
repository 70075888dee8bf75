import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * AWS X-Ray tracing through Powertools Tracer (docs/operations.md "Tracing"), off unless the stack is
 * synthesized with `-c tracing=true`.
 *
 * AUTH_API_TRACING is not read at run time in a deployed function: lib/route-function.ts replaces
 * `process.env.AUTH_API_TRACING` with a constant when it bundles the function (esbuild `define`).
 * Without tracing the condition below is then `"false" === "true"`, and esbuild drops the tracer
 * and the X-Ray SDK from the bundle (about 130 KB): off costs nothing, not even module load at cold
 * start. In jest, the dev server and the CLI the variable is unset, so tracing is off there too.
 * Even in a traced bundle Powertools stays silent outside Lambda and under `sam local invoke`.
 */
const tracer: Tracer | undefined =
  process.env.AUTH_API_TRACING === 'true'
    ? new (require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer')).Tracer({
        serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'auth-api',
        // Only the AWS SDK's calls go out of a function, and traceClient records them with their
        // operation and table, queue or secret: the HTTP-level copy would add nothing but cost.
        captureHTTPsRequests: false,
      })
    : undefined;

/** The SDK client, with each call recorded as an X-Ray subsegment when tracing is on. */
export function traceClient<C>(client: C): C {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

/**
 * Wraps a Lambda handler in a `## index.handler` subsegment annotated with ColdStart and Service.
 * This is Powertools' manual instrumentation (its middy middleware does the same), written out
 * because not every function is a middy handler and because an HTTP handler never throws: its
 * errors are already answers, so a 5xx answer is what marks the subsegment as a fault. Neither the
 * event nor the answer is recorded: they carry passwords, tokens and cookies.
 */
export function withTracing<A extends unknown[], R>(handler: (...args: A) => Promise<R>) {
  const active = tracer;
  // Decided once: Powertools settles it from the environment when the tracer is made (off outside
  // Lambda and under `sam local invoke`, where getSegment would hand out a dummy to wrap for nothing).
  if (!active?.isTracingEnabled()) return handler;
  return async (...args: A): Promise<R> => {
    const parent = active.getSegment();
    if (!parent) return handler(...args);
    const segment = parent.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    active.setSegment(segment);
    active.annotateColdStart();
    active.addServiceNameAnnotation();
    try {
      const result = await handler(...args);
      const status = (result as { statusCode?: unknown } | undefined)?.statusCode;
      if (typeof status === 'number' && status >= 500) segment.addFaultFlag();
      return result;
    } catch (err) {
      // The error's name only: an SDK's message may echo request parameters.
      segment.addFaultFlag();
      active.putAnnotation('error', (err as Error)?.name ?? 'Error');
      throw err;
    } finally {
      segment.close();
      active.setSegment(parent);
    }
  };
}
