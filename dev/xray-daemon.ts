import { createSocket } from 'node:dgram';
import { dirname } from 'node:path';

/** A segment or subsegment document as the X-Ray daemon receives it (only the fields we read). */
export interface TraceDocument {
  id: string;
  trace_id?: string;
  parent_id?: string;
  type?: 'subsegment';
  name: string;
  namespace?: string;
  start_time: number;
  end_time?: number;
  fault?: boolean;
  error?: boolean;
  annotations?: Record<string, string | number | boolean>;
  aws?: Record<string, unknown>;
  subsegments?: TraceDocument[];
}

export interface XrayDaemon {
  /** What AWS_XRAY_DAEMON_ADDRESS must say for a function to send here. */
  address: string;
  /** Every document received, in order; a subsegment's own subsegments are nested in it. */
  documents: TraceDocument[];
  /** Every datagram as received (header line included): what a leak test searches. */
  datagrams: string[];
  stop(): Promise<void>;
}

/**
 * A stand-in for the X-Ray daemon on loopback, for the tracing test and `npm run bench`: the X-Ray
 * SDK sends each document as one UDP datagram, a `{"format":"json","version":1}` line then the JSON
 * (in Lambda every subsegment is sent on its own as soon as it closes). Nothing is forwarded.
 */
export function startXrayDaemon(): Promise<XrayDaemon> {
  const socket = createSocket('udp4');
  const documents: TraceDocument[] = [];
  const datagrams: string[] = [];
  socket.on('message', (message) => {
    const text = message.toString('utf8');
    datagrams.push(text);
    const newline = text.indexOf('\n');
    if (newline > 0) documents.push(JSON.parse(text.slice(newline + 1)) as TraceDocument);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      resolve({
        address: `127.0.0.1:${port}`,
        documents,
        datagrams,
        stop: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}

/**
 * What the Lambda runtime sets for an on-demand function with active tracing, but the trace header
 * itself (a fresh `_X_AMZN_TRACE_ID` per invocation: the caller's part), pointed at `daemon`.
 */
export function tracedLambdaEnvironment(daemon: XrayDaemon, functionName: string, bundle: string) {
  return {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    LAMBDA_TASK_ROOT: dirname(bundle),
    _HANDLER: 'index.handler',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
  };
}
