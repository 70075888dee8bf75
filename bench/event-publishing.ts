/**
 * `npm run bench:events`: what publishing an invocation's audit events costs the function
 * (docs/events.md "How events are sent"): the PutEvents call of functions/http/events.ts through
 * AWS's SDK client, against a PutEvents stand-in on loopback in another process. So it measures our
 * side (the detail, the request's signing and serialising, one HTTP exchange on loopback), not
 * EventBridge's own latency, which only a deployed stack shows (CloudWatch's PutEvents Latency).
 * Prints the first call (the client made, the first connection) and the median and p95 of 500 warm
 * invocations with one event and with ten, beside the same invocations with no bus.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { queueEvent, withEvents } from '../functions/http/events';

const WARM = 500;
const fields = {
  username: 'johndoe',
  sid: 'Yp3pVqQ0pB9Hc1s2nKx7Qw',
  method: 'password' as const,
  sourceIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (bench)',
};

async function fakeBus(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['bench/fake-eventbridge.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

const invocation = (events: number) =>
  withEvents({ functionName: 'token' }, async () => {
    for (let i = 0; i < events; i++) queueEvent('login_succeeded', fields);
  });

async function timed(events: number, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await invocation(events);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))].toFixed(3);

async function main() {
  const bus = await fakeBus();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'bench-not-a-secret',
  });
  try {
    const baseline1 = await timed(1, WARM);
    process.env.EVENT_BUS = 'auth-events';
    const lost: number[] = [];
    const first = performance.now();
    await withEvents(
      {},
      async () => queueEvent('login_succeeded', fields),
      (n) => lost.push(n),
    );
    const firstMs = performance.now() - first;
    await timed(1, 100); // the JIT settles first
    const one = await timed(1, WARM);
    const ten = await timed(10, WARM);
    const cpu = process.cpuUsage();
    await timed(1, WARM);
    const used = process.cpuUsage(cpu);
    const cpuPer = (used.user + used.system) / WARM / 1000;
    console.log(`event publishing, our side (PutEvents on loopback), ${WARM} warm invocations each`);
    console.log(
      `  first invocation (client made, first connection): ${firstMs.toFixed(1)} ms${lost.length ? ' LOST' : ''}`,
    );
    console.log(`  no bus, 1 event:       p50 ${pct(baseline1, 0.5)} ms  p95 ${pct(baseline1, 0.95)} ms`);
    console.log(`  bus, 1 event:          p50 ${pct(one, 0.5)} ms  p95 ${pct(one, 0.95)} ms`);
    console.log(`  bus, 10 events:        p50 ${pct(ten, 0.5)} ms  p95 ${pct(ten, 0.95)} ms`);
    console.log(`  CPU per 1-event invocation: ${cpuPer.toFixed(3)} ms (both processes' loopback, this one's CPU)`);
  } finally {
    bus.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
