/**
 * `npm run load [-- --duration 30 --connections 50]`: a bounded load run against the dev server on
 * loopback. Each autocannon connection loops through a whole user flow (login, /users/me, refresh
 * carrying the rotated cookie, /users/me, logout). Afterwards the table must hold every session
 * that was opened and not logged out, none that was logged out, and no other but those of logins
 * still in flight when the run stopped; no request may have failed or answered 5xx.
 * Exits non-zero when that is not so; memory of the server is sampled and printed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { addUsers, startDevServer, startStore } from './support';

const { values: args } = parseArgs({ options: { duration: { type: 'string' }, connections: { type: 'string' } } });
const DURATION = Number(args.duration ?? 30);
const CONNECTIONS = Number(args.connections ?? 50);
const TABLE_NAME = 'auth-load';
const SECRET = randomBytes(32).toString('base64url');
const USERS = 20;
const HEAP_CAP_MB = 64;

const rssMb = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;

async function main() {
  const store = await startStore(TABLE_NAME);
  const { doc } = store;
  await addUsers(
    store.store,
    Array.from({ length: USERS }, (_, i) => `load-${i}`),
    'load-password',
  );
  // The old-space cap turns a leak into a crash (and so into failed requests) within the run,
  // instead of a slowly rising RSS that V8 would be entitled to anyway.
  // One dev-server process runs all 50 flows' bcrypt compares on its one event loop (a Lambda
  // instance runs one request at a time): during a burst of logins a store request can wait seconds
  // for its turn, which the client's default 1 s connect timeout would turn into 503s that say
  // nothing about the API. A login is 7 store requests since the brute-force places.
  const timeouts = { DYNAMODB_CONNECT_TIMEOUT_MS: '10000', DYNAMODB_REQUEST_TIMEOUT_MS: '20000' };
  const server = await startDevServer(store.endpoint, { TABLE_NAME, JWT_SECRET: SECRET, ...timeouts }, [
    `--max-old-space-size=${HEAP_CAP_MB}`,
  ]);
  const { url } = server;

  const memory: number[] = [];
  const sampler = setInterval(() => memory.push(rssMb(server.pid)), 1000);
  const statuses: Record<string, Record<number, number>> = {};
  const count = (step: string, status: number) => {
    statuses[step] ??= {};
    statuses[step][status] = (statuses[step][status] ?? 0) + 1;
  };
  let next = 0;
  // Which sessions each flow opened and closed (sid from the login's token), and requests still in flight at the end.
  const opened = new Set<string>();
  const closed = new Set<string>();
  const closing = new Set<string>(); // logouts sent whose answer has not come back
  const sent: Record<string, number> = {};
  const send = (step: string) => (sent[step] = (sent[step] ?? 0) + 1);
  type Ctx = { access?: string; refresh?: string; sid?: string };
  const sidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).sid as string;
  const cookieOf = (headers: Record<string, string | string[]>) =>
    [headers['set-cookie']]
      .flat()
      .find((c) => c?.startsWith('refresh_token='))
      ?.slice('refresh_token='.length)
      .split(';')[0];

  /** GET /users/me with the flow's current access token, counted under `step`. */
  const whoAmI = (step: string) => ({
    method: 'GET',
    path: '/users/me',
    setupRequest: (req: autocannon.Request, ctx: Ctx) => ({
      ...req,
      headers: { authorization: `Bearer ${ctx.access}` },
    }),
    onResponse: (status: number) => count(step, status),
  });

  console.log(
    `load: ${CONNECTIONS} connections x ${DURATION} s, flow login -> me -> refresh -> me -> logout, ` +
      `${USERS} users, bcrypt cost 10`,
  );
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: 'POST',
        path: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (req: autocannon.Request) => {
          send('login');
          return { ...req, body: `username=load-${next++ % USERS}&password=load-password` };
        },
        onResponse: (status: number, body: string, ctx: Ctx, headers: Record<string, string | string[]>) => {
          count('login', status);
          if (status === 200) {
            ctx.access = JSON.parse(body).access_token;
            ctx.refresh = cookieOf(headers);
            ctx.sid = sidOf(ctx.access!);
            opened.add(ctx.sid);
          }
        },
      },
      whoAmI('me'),
      {
        method: 'POST',
        path: '/auth/refresh',
        setupRequest: (req: autocannon.Request, ctx: Ctx) => ({
          ...req,
          headers: { cookie: `refresh_token=${ctx.refresh}` },
        }),
        onResponse: (status: number, body: string, ctx: Ctx, headers: Record<string, string | string[]>) => {
          count('refresh', status);
          if (status === 200) {
            ctx.access = JSON.parse(body).access_token;
            ctx.refresh = cookieOf(headers);
          }
        },
      },
      whoAmI('me (after refresh)'),
      {
        method: 'POST',
        path: '/auth/logout',
        setupRequest: (req: autocannon.Request, ctx: Ctx) => {
          send('logout');
          closing.add(ctx.sid!);
          return { ...req, headers: { cookie: `refresh_token=${ctx.refresh}` } };
        },
        onResponse: (status: number, _body: string, ctx: Ctx) => {
          count('logout', status);
          closing.delete(ctx.sid!);
          if (status === 200) closed.add(ctx.sid!);
        },
      },
    ],
  } as autocannon.Options);
  clearInterval(sampler);
  memory.push(rssMb(server.pid));

  // In-flight requests at the end are cut by autocannon; give the server a moment to finish them.
  await new Promise((r) => setTimeout(r, 1000));
  const remaining = new Set<string>();
  for await (const page of paginateScan(
    { client: doc },
    { TableName: TABLE_NAME, FilterExpression: 'sk = :s', ExpressionAttributeValues: { ':s': 'SESSION' } },
  )) {
    for (const item of page.Items ?? []) remaining.add(String(item.sid));
  }
  await server.stop();
  await store.stop();

  const ok = (step: string) => statuses[step]?.[200] ?? 0;
  const received = (step: string) => Object.values(statuses[step] ?? {}).reduce((a, b) => a + b, 0);
  const inFlightLogins = (sent.login ?? 0) - received('login');
  // A logout still in flight when autocannon stopped may have been carried out: its session may be gone.
  const lost = [...opened].filter((sid) => !closed.has(sid) && !closing.has(sid) && !remaining.has(sid));
  const resurrected = [...closed].filter((sid) => remaining.has(sid));
  const unexplained = [...remaining].filter((sid) => !opened.has(sid)).length;
  const fivexx = Object.values(statuses).reduce(
    (n, s) =>
      n +
      Object.entries(s)
        .filter(([code]) => Number(code) >= 500)
        .reduce((m, [, c]) => m + c, 0),
    0,
  );
  const third = Math.max(1, Math.floor(memory.length / 3));
  const early = Math.max(...memory.slice(0, third));
  const late = Math.max(...memory.slice(-third));

  console.log(
    `requests: ${result.requests.total} (${Math.round(result.requests.average)} req/s), ` +
      `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
  );
  for (const [step, s] of Object.entries(statuses)) {
    const counts = Object.entries(s).map(([code, n]) => `${code}: ${n}`);
    console.log(`  ${step.padEnd(20)} ${counts.join(', ')}`);
  }
  console.log(`errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, 5xx ${fivexx}`);
  console.log(
    `sessions: ${ok('login')} opened, ${ok('logout')} closed, ${remaining.size} in the table: ` +
      `${lost.length} lost, ${resurrected.length} resurrected, ${unexplained} from the ${inFlightLogins} ` +
      `logins still in flight when the run stopped (and ${closing.size} logouts)`,
  );
  console.log(
    `server RSS MB (old space capped at ${HEAP_CAP_MB} MB): first third max ${early.toFixed(0)}, ` +
      `last third max ${late.toFixed(0)}, ` +
      `overall max ${Math.max(...memory).toFixed(0)} (${memory.length} samples)`,
  );

  const failures = [
    result.errors + result.timeouts > 0 && 'requests failed',
    result.non2xx > 0 && 'non-2xx answers',
    fivexx > 0 && '5xx answers',
    lost.length > 0 && 'sessions lost',
    resurrected.length > 0 && 'logged-out sessions still in the table',
    unexplained > inFlightLogins && 'sessions nobody opened',
  ].filter(Boolean);
  console.log(
    failures.length ? `LOAD FAILED: ${failures.join('; ')}` : 'load ok: 0 errors, 0 5xx, sessions consistent',
  );
  process.exit(failures.length ? 1 : 0);
}

main().catch((err: Error) => {
  console.error(`load failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
