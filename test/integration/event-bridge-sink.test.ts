import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventDetail } from '../../functions/core/event-schema';
import { queueEvent, useLocalEventSink, withEvents } from '../../functions/http/events';

// The deployed sink (functions/store/event-bus.ts) through AWS's own SDK client, over real HTTP to
// a PutEvents endpoint on 127.0.0.1 (AWS_ENDPOINT_URL_EVENTBRIDGE): ten entries a call, the entries
// as EventBridge reads them, entries refused one by one and whole calls failing counted as lost.

interface Call {
  target: string;
  entries: { EventBusName: string; Source: string; DetailType: string; Detail: string; Time: number }[];
}
const calls: Call[] = [];
let answer: (call: Call) => { status: number; body: unknown } = () => ({ status: 200, body: { FailedEntryCount: 0 } });
let server: Server;
const saved = { ...process.env };

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const call = { target: String(req.headers['x-amz-target']), entries: JSON.parse(await readBody(req)).Entries };
    calls.push(call);
    const { status, body } = answer(call);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
    EVENT_BUS: 'auth-events',
  });
  useLocalEventSink(undefined);
});
afterAll(() => {
  process.env = saved;
  server.close();
});
beforeEach(() => {
  calls.length = 0;
  answer = () => ({ status: 200, body: { FailedEntryCount: 0 } });
});

/** One invocation that audits `n` sign-ups; the events it lost. */
async function invocation(n: number): Promise<number> {
  let lost = 0;
  await withEvents(
    {},
    async () => {
      for (let i = 0; i < n; i++) queueEvent('signup', { username: `user-${i}`, sourceIp: '203.0.113.7' });
    },
    (count) => (lost = count),
  );
  return lost;
}

test('23 events: three PutEvents calls of 10, 10 and 3, each entry as EventBridge reads it', async () => {
  expect(await invocation(23)).toBe(0);
  // Sent at once: in the order of their first entries.
  const first = (c: Call) => Number(JSON.parse(c.entries[0].Detail).username.split('-')[1]);
  calls.sort((a, b) => first(a) - first(b));
  expect(calls.map((c) => [c.target, c.entries.length])).toEqual([
    ['AWSEvents.PutEvents', 10],
    ['AWSEvents.PutEvents', 10],
    ['AWSEvents.PutEvents', 3],
  ]);
  const entries = calls.flatMap((c) => c.entries);
  expect(entries.map((e) => JSON.parse(e.Detail).username)).toEqual(Array.from({ length: 23 }, (_, i) => `user-${i}`));
  const [entry] = entries;
  expect(entry).toMatchObject({ EventBusName: 'auth-events', Source: 'auth-api', DetailType: 'signup' });
  expect(Math.abs(entry.Time - Date.now() / 1000)).toBeLessThan(60);
  expect(Object.keys(JSON.parse(entry.Detail)).sort()).toEqual(
    Object.keys(eventDetail({ username: 'x', sourceIp: 'y' }, 0)).sort(),
  );
});

test('entries refused one by one are lost, the rest are not', async () => {
  answer = (call) => ({ status: 200, body: { FailedEntryCount: call.entries.length > 5 ? 2 : 0 } });
  expect(await invocation(13)).toBe(2);
});

test('a call that fails whole loses its entries only; the invocation is not failed', async () => {
  answer = (call) =>
    call.entries.length === 10
      ? { status: 500, body: { __type: 'InternalException', message: 'down' } }
      : { status: 200, body: { FailedEntryCount: 0 } };
  expect(await invocation(13)).toBe(10);
  // The SDK tried the failed call twice (maxAttempts 2): never more, so a slow bus costs little.
  expect(calls.filter((c) => c.entries.length === 10)).toHaveLength(2);
});
