import {
  Agent,
  createServer,
  request as forward,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How a DynamoDB call fails: the store unreachable, too slow, throttling, or answering 5xx. */
export type FaultMode = 'refuse' | 'slow' | 'throttle' | '5xx' | 'lose-response' | 'delay';

export interface FaultRule {
  /** The DynamoDB operation (X-Amz-Target suffix), or undefined for every operation. */
  op?: string;
  mode: FaultMode;
  /** Which call of that operation to fail first (1-based, counted from when the rule is set). */
  nth?: number;
  /** How many calls to fail from there; every one when undefined. */
  times?: number;
  /** For `delay`: how long the call is held before it goes through (it then succeeds). */
  delayMs?: number;
}

const THROTTLE_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'injected',
});
const ERROR_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
  message: 'injected',
});

/**
 * An HTTP proxy between the handlers and the DynamoDB API server that injects faults per
 * operation, so the store keeps its data and "nothing lost" can be checked afterwards (no mocked
 * SDK). It also counts the operations it saw, to prove a bad input never reached the table.
 */
export class FaultProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true });
  private rules: (FaultRule & { seen: number; failed: number })[] = [];
  private down = false;
  /** Every operation the handlers sent, in order ("GetItem", "BatchGetItem", ...). */
  readonly ops: string[] = [];
  /**
   * The same calls with the partition-key prefixes each one touched (a Query: its index's key), and
   * what IAM's attribute conditions see: every attribute the request names, its projection, ReturnValues.
   */
  readonly calls: StoreCall[] = [];
  /** The most calls of each operation that were ever in flight at once. */
  readonly maxInFlight: Record<string, number> = {};
  private readonly inFlight: Record<string, number> = {};
  private open = 0;
  /**
   * Sequential round trips: how often a call arrived with none other in flight, i.e. the waves of
   * calls a request waited on one after another (calls sent together count once). A test sets it to
   * 0 before what it measures.
   */
  waves = 0;

  constructor(private readonly target: string) {}

  /** Number of DynamoDB requests seen so far. */
  get requests(): number {
    return this.ops.length;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The store becomes unreachable: open connections drop, new requests are reset. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.down = false;
    this.rules = [];
  }

  /** Fails matching calls as the rule says until restore(). */
  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, failed: 0 });
  }

  async stop(): Promise<void> {
    this.cut();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const op =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.ops.push(op);
      this.calls.push(describeCall(op, Buffer.concat(chunks)));
      this.inFlight[op] = (this.inFlight[op] ?? 0) + 1;
      this.maxInFlight[op] = Math.max(this.maxInFlight[op] ?? 0, this.inFlight[op]);
      if (this.open++ === 0) this.waves++;
      res.on('close', () => {
        this.inFlight[op]--;
        this.open--;
      });
      if (this.down) return req.socket.destroy();
      const rule = this.rules.find(
        (r) =>
          (r.op === undefined || r.op === op) &&
          ++r.seen >= (r.nth ?? 1) &&
          (r.times === undefined || r.failed < r.times),
      );
      if (rule) rule.failed++;
      switch (rule?.mode) {
        case 'refuse':
          return req.socket.destroy();
        case 'slow':
          // Past any sane client timeout; the client gives up first.
          setTimeout(() => req.socket.destroy(), 30_000).unref();
          return;
        case 'throttle':
          return void res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(THROTTLE_BODY);
        case '5xx':
          return void res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' }).end(ERROR_BODY);
      }
      if (rule?.mode === 'delay') {
        setTimeout(() => this.pass(req, res, chunks), rule.delayMs ?? 50);
        return;
      }
      this.pass(req, res, chunks, rule);
    });
  }

  /** Sends the call on to the store and its answer back (or, for `lose-response`, loses the answer). */
  private pass(req: IncomingMessage, res: ServerResponse, chunks: Buffer[], rule?: FaultRule): void {
    const upstream = new URL(this.target);
    const out = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: this.agent,
      },
      (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('end', () => {
          // The write happened; only its answer is lost (what a client sees on a timeout after commit).
          if (rule?.mode === 'lose-response') return req.socket.destroy();
          res.writeHead(answer.statusCode ?? 500, answer.headers).end(Buffer.concat(body));
        });
      },
    );
    out.on('error', () => req.socket.destroy());
    out.end(Buffer.concat(chunks));
  }
}

/** One DynamoDB request as the grants' conditions see it. */
export interface StoreCall {
  op: string;
  /** The partition-key prefixes (`USER#`, `SESSION#`, ...) of its Key, Item or batch Keys (a Query: its key's). */
  prefixes: string[];
  /** Every top-level attribute it names: key attributes, the item's, and those in its expressions. */
  attributes: string[];
  /** A read that names what it returns (ProjectionExpression or Select SPECIFIC_ATTRIBUTES). */
  projected: boolean;
  returnValues?: string;
}

/** Words of DynamoDB's expression grammar that are not attribute names. */
const GRAMMAR = new Set(
  ['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN'].concat(
    ['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size'],
    ['if_not_exists', 'list_append'],
  ),
);

/** The top-level attribute names an expression mentions (`#name` through ExpressionAttributeNames). */
function namesIn(expression: unknown, names: Record<string, string>): string[] {
  if (typeof expression !== 'string') return [];
  // Values (`:v`) are not names; a path's first element is its top-level attribute.
  const words =
    expression
      .replace(/:[A-Za-z0-9_]+/g, ' ')
      .replace(/(\.#?[A-Za-z0-9_]+|\[\d+\])+/g, '')
      .match(/#?[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  return words.filter((w) => !GRAMMAR.has(w)).map((w) => (w.startsWith('#') ? names[w] : w));
}

function describeCall(op: string, body: Buffer): StoreCall {
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    return { op, prefixes: [], attributes: [], projected: false };
  }
  const parts: Record<string, unknown>[] = [request];
  const keys: unknown[] = [request.Key, request.Item];
  for (const table of Object.values((request.RequestItems ?? {}) as Record<string, Record<string, unknown>>)) {
    parts.push(table);
    keys.push(...((table.Keys as unknown[]) ?? []));
  }
  const attributes = new Set<string>();
  const values: unknown[] = [];
  for (const key of keys) {
    if (!key || typeof key !== 'object') continue;
    for (const name of Object.keys(key)) attributes.add(name);
    values.push((key as { pk?: { S?: string } }).pk?.S);
  }
  let projected = false;
  for (const part of parts) {
    const names = (part.ExpressionAttributeNames ?? {}) as Record<string, string>;
    for (const field of ['ProjectionExpression', 'UpdateExpression', 'ConditionExpression', 'KeyConditionExpression'])
      for (const name of namesIn(part[field], names)) attributes.add(name);
    for (const name of (part.AttributesToGet as string[] | undefined) ?? []) attributes.add(name);
    if (part.ProjectionExpression || part.AttributesToGet || part.Select === 'SPECIFIC_ATTRIBUTES') projected = true;
  }
  if (request.KeyConditionExpression)
    values.push(
      ...Object.values((request.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>).map((v) => v.S),
    );
  const prefixes = values.filter((v): v is string => typeof v === 'string').map((v) => v.slice(0, v.indexOf('#') + 1));
  return {
    op,
    prefixes: [...new Set(prefixes)].sort(),
    attributes: [...attributes].sort(),
    projected,
    ...(typeof request.ReturnValues === 'string' ? { returnValues: request.ReturnValues } : {}),
  };
}
