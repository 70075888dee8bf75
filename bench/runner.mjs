// One benchmark process (spawned by bench/bench.ts). Plain JavaScript on purpose: a cold-start
// measurement must not include a TypeScript loader. It loads one deployed bundle exactly as the
// Lambda runtime would (require of index.js, then `handler(event, context)`).
//
//   node bench/runner.mjs cold <bundle.js> <route> <plan.json>   -> prints "done <status>" after the first invocation
//   node bench/runner.mjs warm <bundle.js> <route> <plan.json>   -> prints one JSON line of measurements
//   node bench/runner.mjs cold-essential <bundle.js> <route> <plan.json>   -> the essential bundle's first run
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loginEvent, routeEvents, succeeded } from './events.mjs';

const [mode, bundlePath, route, planPath] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planPath, 'utf8'));
const require = createRequire(import.meta.url);
const context = {
  functionName: route,
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 10_000,
  callbackWaitsForEmptyEventLoop: false,
};

/**
 * A traced run (BENCH_TRACING=1, bench.ts sets the rest of Lambda's environment): what the Lambda
 * runtime does before each invocation of an actively traced function, a fresh sampled trace header
 * in _X_AMZN_TRACE_ID. Done outside the timed part: the runtime's work, not the function's.
 */
const newTrace =
  process.env.BENCH_TRACING === '1'
    ? () => {
        const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
        process.env._X_AMZN_TRACE_ID = `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
      }
    : () => {};

if (mode === 'cold-essential') {
  const { handler } = require(bundlePath);
  await handler(plan);
  process.stdout.write('done 200\n');
  process.exit(0);
}

const events = routeEvents(route, plan);
if (mode === 'cold') {
  const { handler } = require(bundlePath);
  const first = events.first();
  newTrace();
  const result = await handler(first, context);
  // A failure is reported with its status (bench.ts refuses it); a success as 200 (a code's 303 is one).
  process.stdout.write(`done ${succeeded(result) ? 200 : Math.max(result.statusCode, 300)}\n`);
  process.exit(0);
}

// ---- warm ----
let httpRequests = 0;
// Sequential round trips: how many times the store (or SQS) is waited on with nothing else in flight
// before, i.e. the waves of requests; two sent together and awaited together count once. On AWS each
// wave is a round trip of a few milliseconds (bench --ddb-latency puts a number on it).
let inFlight = 0;
let waves = 0;
// Time with at least one store request in flight (waiting on the store, not computing): per
// invocation, so the report can say whether a route is slower by its own work or by the store's.
let waitingSince = 0;
let waitedMs = 0;
// BENCH_REQUESTS=1: each request of the counted invocations (the route's and the essential work's)
// on stderr, with its DynamoDB operation and milliseconds, to see where a route's time goes.
const showRequests = process.env.BENCH_REQUESTS === '1';
let listing = false;
const started = new WeakMap();
subscribe('http.client.request.start', ({ request }) => {
  httpRequests++;
  if (inFlight++ === 0) {
    waves++;
    waitingSince = performance.now();
  }
  if (listing) started.set(request, performance.now());
});
const landed = ({ request }) => {
  inFlight = Math.max(0, inFlight - 1);
  if (inFlight === 0) waitedMs += performance.now() - waitingSince;
  const t = started.get(request);
  if (t === undefined) return;
  const target = String(request.getHeader('x-amz-target') ?? request.path)
    .split('.')
    .pop();
  process.stderr.write(`  ${target} ${(performance.now() - t).toFixed(2)} ms\n`);
};
subscribe('http.client.response.finish', landed);
subscribe('http.client.request.error', landed);
const { handler } = require(bundlePath);

// The essential work (bench/essential-work.mjs), done directly in this process: same key, same SDK,
// same store, none of our code. The OAuth grants share the login's and the refresh's rules, so their
// essential work too.
process.env.BENCH_ROUTE =
  { 'oauth-password': 'token', 'oauth-refresh': 'refresh', 'oauth-passkey': 'passkey-login' }[route] ?? route;
const { essentialWork } = await import('./essential-work.mjs');
// The library the route's function bundles, for the essential work that needs it (as its essential bundle has it).
const libs = {
  ...(['passkey-login', 'oauth-passkey', 'passkey-register', 'hosted-passkey'].includes(route)
    ? { webauthn: await import('@simplewebauthn/server') }
    : {}),
  ...(['totp-setup', 'hosted-mfa'].includes(route) ? { otpauth: await import('otpauth') } : {}),
};
const essential = await essentialWork(plan, libs);

async function invoke() {
  const result = await handler(events.next(), context);
  if (!succeeded(result)) throw new Error(`${route} answered ${result.statusCode}: ${result.body}`);
  events.carry(result);
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// Warm up both paths (JIT, connection pool), then count one invocation's store requests.
for (let i = 0; i < plan.warmup; i++) {
  newTrace();
  await invoke();
  await essential();
}
httpRequests = 0;
waves = 0;
newTrace();
listing = showRequests;
if (listing) process.stderr.write(`${route}: its requests\n`);
await invoke();
const ddbRequests = httpRequests;
const ddbSequential = waves;
if (listing) process.stderr.write(`${route}: the essential work's requests\n`);
if (listing) await essential();
listing = false;

const routeTimes = [];
const essentialTimes = [];
const routeWaits = [];
const essentialWaits = [];
let peakRss = 0;
let heapAtQuarter = 0;
// Live heap after a full collection (the warm run is started with --expose-gc), so growth means retention, not garbage.
const liveHeap = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};
for (let i = 0; i < plan.iterations; i++) {
  // A pair: the route and its essential work, in random order, so neither always runs second.
  const timeRoute = async () => {
    newTrace();
    waitedMs = 0;
    const t = performance.now();
    await invoke();
    routeTimes.push(performance.now() - t);
    routeWaits.push(waitedMs);
  };
  const timeEssential = async () => {
    waitedMs = 0;
    const t = performance.now();
    await essential();
    essentialTimes.push(performance.now() - t);
    essentialWaits.push(waitedMs);
  };
  if (Math.random() < 0.5) {
    await timeRoute();
    await timeEssential();
  } else {
    await timeEssential();
    await timeRoute();
  }
  if (i % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (i === Math.floor(plan.iterations / 4)) heapAtQuarter = liveHeap();
}
const heapAtEnd = liveHeap();

// Forgot alternated between an existing and an unknown user.
const measuredKnown = events.forgotKnown.slice(-routeTimes.length);
const forgotOracle =
  route === 'forgot'
    ? {
        existing_user_p50_ms: percentile(
          routeTimes.filter((_, i) => measuredKnown[i]),
          50,
        ),
        unknown_user_p50_ms: percentile(
          routeTimes.filter((_, i) => !measuredKnown[i]),
          50,
        ),
      }
    : undefined;

let oracle;
if (route === 'token' && plan.oracle) {
  // Unknown user vs wrong password, alternating, each from its own source IP so no limit applies.
  const unknown = [];
  const wrong = [];
  for (let i = 0; i < plan.oracle; i++) {
    let t = performance.now();
    const a = await handler(loginEvent(`nobody-${i}`, 'guess', `203.0.113.${i % 250}`), context);
    unknown.push(performance.now() - t);
    t = performance.now();
    const b = await handler(loginEvent(plan.oracleUsers[i], 'wrong-password', `203.0.113.${i % 250}`), context);
    wrong.push(performance.now() - t);
    if (a.statusCode !== 401 || b.statusCode !== 401)
      throw new Error(`oracle logins answered ${a.statusCode}/${b.statusCode}`);
  }
  oracle = { unknown_user_p50_ms: percentile(unknown, 50), wrong_password_p50_ms: percentile(wrong, 50) };
}

process.stdout.write(
  JSON.stringify({
    warm_p50_ms: percentile(routeTimes, 50),
    store_wait_p50_ms: percentile(routeWaits, 50),
    essential_store_wait_p50_ms: percentile(essentialWaits, 50),
    warm_p99_ms: percentile(routeTimes, 99),
    essential_p50_ms: percentile(essentialTimes, 50),
    route_times: routeTimes,
    essential_times: essentialTimes,
    ddb_requests: ddbRequests,
    ddb_sequential: ddbSequential,
    max_rss_mb: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024,
    heap_mb: [heapAtQuarter / 1024 / 1024, heapAtEnd / 1024 / 1024],
    oracle,
    forgotOracle,
  }) + '\n',
);
process.exit(0);
