import { createSocket } from 'node:dgram';

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
