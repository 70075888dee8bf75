/**
 * `npm run bench [-- --json bench-results.json] [-- --quick]`: measures the deployed bundles (the
 * esbuild output of `cdk synth`) against a local dynalite, and the dev server under autocannon.
 * Prints a table and the performance targets (docs/performance.md); never fails on a missed
 * target (machines are noisy), but says so.
 *
 * Cold start here is process start to the end of the first invocation on this machine. It cannot
 * include Lambda's own init or the Secrets Manager round trips (the keys come from JWT_SECRET and SIGNING_KEYS).
 *
 * Tracing: the stack is synthesized a second time with `-c tracing=true`, and the traced bundles of
 * TRACED_ROUTES run as Lambda runs an actively traced function (a sampled trace header per
 * invocation), sending their segments to a loopback X-Ray daemon (dev/xray-daemon.ts).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { newKeySet } from '../functions/core/keys';
import { TokenService, newId } from '../functions/core/tokens';
import { tokenKeys } from '../functions/store/keys';
import { startXrayDaemon, tracedLambdaEnvironment } from '../dev/xray-daemon';
import { seedAccounts } from './accounts';
import { essentialBundles, rs256Timings, synthBundles } from './bundles';
import { devServerLoad } from './dev-server-load';
import { type RatioSummary, pairs, summarizeRatios } from './paired';
import { printTable } from './report';
import { printProfile, printWarmProfile } from './cpu-profile';
import {
  ACCOUNT_CONTEXT,
  AUDIENCE,
  FEW_ITERATIONS,
  HANDLER,
  ISSUER,
  PRICE,
  MEASURED,
  QUICK,
  type RouteName,
  SECRET,
  SESSION_STARTERS,
  TABLE_NAME,
  TRACED_ROUTES,
  args,
  log,
  median,
  round,
  BENCH_APP,
  BENCH_SERVICE,
} from './settings';
import { addUsers, startFakeSqs, startLatencyProxy, startStore } from './support';
import { seedPasskeys } from './passkeys';
import { seedClients } from './clients';
import { seedAuthorization } from './authorization';
import { sessionWriter } from './sessions';

const execFileAsync = promisify(execFile);

async function main() {
  const started = performance.now();
  log('synthesizing the stack (esbuild bundles)...');
  const bundles = await synthBundles();
  // The traced build only in a full run: --quick stays under a minute.
  if (!QUICK) log('synthesizing the stack again with -c tracing=true...');
  const tracedBundles = QUICK ? bundles : await synthBundles({ tracing: 'true' });
  const xray = await startXrayDaemon();
  const store = await startStore(TABLE_NAME);
  const { doc } = store;
  // What the measured functions (and their essential work) talk to: the store, or a proxy that adds
  // a region's round trip to each request (--ddb-latency). Seeding and the dev-server load go direct.
  const latencyMs = args['ddb-latency'] === undefined ? 0 : Number(args['ddb-latency']);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error('--ddb-latency takes milliseconds, e.g. 4');
  const latencyProxy = latencyMs > 0 ? await startLatencyProxy(store.endpoint, latencyMs) : undefined;
  const measuredEndpoint = latencyProxy?.endpoint ?? store.endpoint;
  if (latencyProxy) log(`every store request of the measured functions held ${latencyMs} ms (--ddb-latency)`);
  const signingKeys = JSON.stringify(await newKeySet(Date.now()));
  const tokens = new TokenService(tokenKeys({ jwtSecret: SECRET, signingKeys }), {
    issuer: ISSUER,
    audience: AUDIENCE,
    defaultClientId: 'web',
    accessTokenTtl: 900,
    refreshTokenTtl: 604800,
  });

  const username = 'bench-user';
  const password = 'bench-password';
  const oracleCount = QUICK ? 6 : 40;
  const oracleUsers = Array.from({ length: oracleCount }, (_, i) => `oracle-${i}`);
  await addUsers(store.store, [username, ...oracleUsers], password);
  // The password change gets a user of its own: changing bench-user's password (a new credential
  // version) would end the sessions every other measurement uses.
  const changer = 'bench-changer';
  const changePasswords = [password, 'bench-password-2'];
  await addUsers(store.store, [changer], password);

  /** Writes n live sessions straight into the table and returns their tokens (bench/sessions.ts). */
  const sessions = sessionWriter(tokens, doc, username);
  const passkeys = await seedPasskeys(store.store, username);
  await seedClients(doc, TABLE_NAME);
  const mfaKey = SECRET.padEnd(64, '0');
  const authorization = await seedAuthorization(store.store, doc, { username, password, mfaKey });

  const sqs = await startFakeSqs();
  const seeded = await seedAccounts(doc, password, QUICK ? 40 : 120, QUICK ? 200 : 1200);
  const env = {
    ...process.env,
    EMAIL_FROM: ACCOUNT_CONTEXT.emailFrom,
    PASSWORD_RESET_URL: ACCOUNT_CONTEXT.passwordResetUrl,
    EMAIL_VERIFY_URL: ACCOUNT_CONTEXT.emailVerifyUrl,
    ALLOW_SIGNUP: 'true',
    MAIL_QUEUE_URL: sqs.queueUrl,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    // The SQS stand-in on loopback takes any credentials; the SDK wants some.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // Every forgot, resend and sign-up of the bench comes from one address: limits out of the way.
    LOGIN_IP_MAX_FAILURES: '1000000',
    SIGNUP_IP_MAX_PER_HOUR: '1000000',
    TABLE_NAME,
    DYNAMODB_ENDPOINT: measuredEndpoint,
    JWT_SECRET: SECRET,
    SIGNING_KEYS: signingKeys,
    TOKEN_ISSUER: ISSUER,
    TOKEN_AUDIENCE: AUDIENCE,
    COOKIE_SECURE: 'true',
    NODE_OPTIONS: '--enable-source-maps', // as deployed
    POWERTOOLS_LOG_LEVEL: 'INFO', // as deployed: audit lines are part of the cost
    // The bench's one user collects a session per login and per seeded token: a cap this high keeps
    // every login on the common path (below the cap). At the cap a login also evicts the oldest
    // session: one BatchGetItem and one DeleteItem more (docs/performance.md).
    MAX_SESSIONS_PER_USER: '1000',
    WEBAUTHN_RP_ID: ACCOUNT_CONTEXT.webauthnRpId,
    MAX_PASSKEYS_PER_USER: '100',
    MFA_KEY: mfaKey,
    DYNAMIC_CLIENT_REGISTRATION: 'true',
    DCR_IP_MAX_PER_HOUR: '10000',
    AWS_REGION: 'us-east-1',
  };
  const scratch = mkdtempSync(join(tmpdir(), 'auth-bench-plan-'));
  const planFile = (name: string, plan: object) => {
    const file = join(scratch, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        endpoint: measuredEndpoint,
        tableName: TABLE_NAME,
        secret: SECRET,
        signingKeys,
        issuer: ISSUER,
        audience: AUDIENCE,
        username,
        password,
        queueUrl: sqs.queueUrl,
        passkeyId: passkeys.passkeyId,
        essentialPasskey: passkeys.essential,
        benchApp: BENCH_APP,
        benchService: BENCH_SERVICE,
        browser: authorization.browser,
        ...plan,
      }),
    );
    return file;
  };

  log('essential bundles (the same libraries, none of our code), RS256 timings...');
  const essentials = await essentialBundles(scratch, MEASURED);
  const rs256 = await rs256Timings(signingKeys, QUICK ? 50 : 500);

  log('baseline: node -e 0 ...');
  const baselineRuns = Array.from({ length: 10 }, () => {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    return performance.now() - t;
  });
  const baseline = median(baselineRuns);

  /** A traced run: Lambda's environment for an actively traced function (runner.mjs adds the trace header). */
  const tracedEnv = (route: RouteName) => ({
    ...env,
    BENCH_TRACING: '1',
    ...tracedLambdaEnvironment(xray, HANDLER[route], tracedBundles[route].bundle),
  });

  /** Wall time from spawning a fresh node process to the end of its first invocation of the bundle. */
  function coldStart(
    route: RouteName,
    plan: string,
    kind: 'route' | 'essential' | 'traced' = 'route',
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      const t = performance.now();
      const [mode, bundle] = {
        route: ['cold', bundles[route].bundle],
        essential: ['cold-essential', essentials[route]],
        traced: ['cold', tracedBundles[route].bundle],
      }[kind];
      const profile = args['cpu-prof'] ? [`--cpu-prof`, `--cpu-prof-dir=${join(args['cpu-prof'], route, kind)}`] : [];
      const child = spawn(process.execPath, [...profile, 'bench/runner.mjs', mode, bundle, route, plan], {
        env: kind === 'traced' ? tracedEnv(route) : env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      let elapsed: number | undefined;
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
        const m = out.match(/done (\d+)/);
        if (m && elapsed === undefined) {
          elapsed = performance.now() - t;
          // A profiled run writes its profile as it exits: wait for that, not the kill.
          if (profile.length === 0) child.kill();
          if (Number(m[1]) >= 300) reject(new Error(`${route} cold invocation answered ${m[1]}`));
          else if (profile.length === 0) resolve(elapsed);
        }
      });
      child.on('exit', (code) => {
        if (elapsed === undefined) reject(new Error(`${route} cold run exited ${code}`));
        else resolve(elapsed);
      });
    });
  }

  /** One warm process: the route's bundle (or its traced build) interleaved with the essential work. */
  async function warm(
    route: RouteName,
    plan: string,
    traced = false,
  ): Promise<Record<string, number> & { oracle?: Record<string, number>; forgotOracle?: Record<string, number> }> {
    const bundle = (traced ? tracedBundles : bundles)[route].bundle;
    // Not spawnSync: the X-Ray daemon reads the traced run's datagrams on this process's event loop.
    const profile =
      args['cpu-prof'] && !traced ? [`--cpu-prof`, `--cpu-prof-dir=${join(args['cpu-prof'], route, 'warm')}`] : [];
    const r = await execFileAsync(
      process.execPath,
      [...profile, '--expose-gc', 'bench/runner.mjs', 'warm', bundle, route, plan],
      {
        env: { ...(traced ? tracedEnv(route) : env), ...(args.requests ? { BENCH_REQUESTS: '1' } : {}) },
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    ).catch((err: { stderr?: string }) => {
      throw new Error(`${route} warm run failed: ${String(err.stderr).slice(-2000)}`);
    });
    if (args.requests) process.stderr.write(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  }

  const results: Record<string, Record<string, number>> = {};
  /** Each route's paired ratios to its essential work: cold starts, and warm invocations. */
  const ratios: Record<string, { cold: RatioSummary; warm: RatioSummary }> = {};
  /** The traced routes: cold start and warm p50 beside the untraced ones measured with them. */
  const tracing: Record<string, Record<string, number>> = {};
  let oracle: Record<string, number> | undefined;
  let forgotOracle: Record<string, number> | undefined;
  // Pairs of cold starts (ours and the essential bundle, in random order): the issue's 30 at least.
  const coldRuns = Number(args.pairs ?? (QUICK ? 4 : 30));
  // The changer's one session (a change keeps the caller's session alive, and ends every other) and
  // which of its two passwords is current: every change, cold or warm, swaps them.
  const [changerSession] = await sessions(1, changer);
  let changeFrom = 0;
  const changePlan = () => ({ accessToken: changerSession.access, changePasswords, changeFrom });
  /** What each account route consumes: reset and verify tokens are single-use, sign-up names must be new. */
  const accountPlan = (route: RouteName, n: number) => ({
    resetTokens: route === 'reset' ? seeded.resetTokens.splice(0, n) : [],
    verifyTokens: route === 'verify' ? seeded.verifyTokens.splice(0, n) : [],
    signupPrefix: `bench-signup-${newId()}`,
    forgotUsers: seeded.forgotUsers,
    resendUser: seeded.resendUser,
  });
  for (const route of MEASURED) {
    log(`${route}: ${coldRuns} pairs of cold starts, then warm invocations...`);
    const traced = !QUICK && TRACED_ROUTES.includes(route);
    const segmentsBefore = xray.documents.length;
    /** Cold run i's plan: a session of its own (a refresh rotates it), fresh account tokens. */
    const coldPlan = async (i: number, kind: string) => {
      const [s] = await sessions(1);
      const plan = {
        refreshTokens: [s.refresh],
        accessToken: s.access,
        essentialSid: s.sid,
        essentialRefresh: s.refresh,
        ...(route === 'password-change' ? changePlan() : {}),
        ...accountPlan(route, 1),
        ...(await passkeys.plan(route, 1, sessions)),
        ...(await authorization.plan(route, 1)),
      };
      return planFile(`${route}-${kind}-cold-${i}`, plan);
    };
    // Each pair: ours and the essential bundle, in random order, each on a plan made just before it
    // (outside the timed part), so both see the same moment of the machine.
    const cold = await pairs(
      coldRuns,
      async (i) => {
        const plan = await coldPlan(i, 'route');
        const ms = await coldStart(route, plan);
        if (route === 'password-change') changeFrom = 1 - changeFrom; // the changer's password swapped
        return ms;
      },
      async (i) => coldStart(route, await coldPlan(i, 'essential'), 'essential'),
    );
    const tracedColds: number[] = [];
    for (let i = 0; traced && i < Math.min(coldRuns, 10); i++) {
      tracedColds.push(await coldStart(route, await coldPlan(i, 'traced'), 'traced'));
    }
    // Logins and password writes spend a bcrypt run each: fewer of them.
    const login = FEW_ITERATIONS.includes(route);
    const many = Number(args.iterations ?? (QUICK ? 100 : 1000));
    const iterations = login ? (QUICK ? 10 : 50) : SESSION_STARTERS.includes(route) ? Math.min(many, 900) : many;
    const warmup = login ? 3 : 50;
    /** A warm run's plan: fresh sessions (a refresh rotates them, a logout ends them), fresh account tokens. */
    const warmPlan = async (name: string, withOracle: boolean) => {
      const pool = await sessions(route === 'logout' ? iterations + warmup + 1 : 1);
      const [essentialSession] = await sessions(1);
      return planFile(name, {
        iterations,
        warmup,
        refreshTokens: pool.map((s) => s.refresh),
        accessToken: pool[0].access,
        essentialSid: essentialSession.sid,
        essentialRefresh: essentialSession.refresh,
        oracle: withOracle && route === 'token' ? oracleCount : 0,
        oracleUsers,
        ...(route === 'password-change' ? changePlan() : {}),
        ...accountPlan(route, iterations + warmup + 1),
        ...(await passkeys.plan(route, iterations + warmup + 1, sessions)),
        ...(await authorization.plan(route, iterations + warmup + 1)),
      });
    };
    const w = await warm(route, await warmPlan(`${route}-warm`, true));
    if (traced) {
      // Raw differences, not ratios to the essential work run in the same process: the X-Ray SDK
      // tracks async context with async_hooks (cls-hooked), which slows every promise in a traced
      // process, the essential work's included. That is part of what tracing costs.
      const t = await warm(route, await warmPlan(`${route}-traced-warm`, false), true);
      const segments = xray.documents.length - segmentsBefore;
      // A traced run that sent nothing measured nothing: the environment above is wrong.
      if (segments === 0) throw new Error(`${route}: the traced bundle sent no segment to the X-Ray daemon`);
      tracing[route] = {
        bundle_kb: round(statSync(tracedBundles[route].bundle).size / 1024, 1),
        untraced_bundle_kb: round(statSync(bundles[route].bundle).size / 1024, 1),
        cold_start_ms: round(median(tracedColds), 1),
        untraced_cold_start_ms: round(median(cold.a), 1),
        warm_p50_ms: round(t.warm_p50_ms, 3),
        untraced_warm_p50_ms: round(w.warm_p50_ms, 3),
        warm_p99_ms: round(t.warm_p99_ms, 3),
        untraced_warm_p99_ms: round(w.warm_p99_ms, 3),
        segments_received: segments,
      };
    }
    if (w.oracle) oracle = w.oracle;
    if (w.forgotOracle) forgotOracle = w.forgotOracle;
    const memoryMb = bundles[route].memoryMb;
    results[route] = {
      bundle_kb: round(statSync(bundles[route].bundle).size / 1024, 1),
      cold_start_ms: round(median(cold.a), 1),
      essential_cold_start_ms: round(median(cold.b), 1),
      warm_p50_ms: round(w.warm_p50_ms, 3),
      warm_p99_ms: round(w.warm_p99_ms, 3),
      essential_p50_ms: round(w.essential_p50_ms, 3),
      // Of the warm p50s, the time spent waiting on the store (at least one request in flight).
      store_wait_p50_ms: round(w.store_wait_p50_ms, 3),
      essential_store_wait_p50_ms: round(w.essential_store_wait_p50_ms, 3),
      ddb_requests: w.ddb_requests,
      ddb_sequential: w.ddb_sequential,
      memory_mb: memoryMb,
      // Billed duration rounds up to the millisecond.
      lambda_usd_per_million: round(
        1e6 * ((memoryMb / 1024) * (Math.ceil(w.warm_p50_ms) / 1000) * PRICE.perGbSecond) + PRICE.perMillionRequests,
        4,
      ),
      process_max_rss_mb: round(w.max_rss_mb, 1),
      heap_used_mb_quarter_then_end: (w.heap_mb as unknown as number[]).map((x) => round(x, 1)) as unknown as number,
    };
    if (args.requests) {
      const [ours, floor] = [w.store_wait_p50_ms, w.essential_store_wait_p50_ms].map((x) => round(x, 3));
      log(`${route}: waiting on the store, p50 ${ours} ms (essential ${floor} ms)`);
    }
    const times = w as unknown as { route_times: number[]; essential_times: number[] };
    ratios[route] = {
      cold: summarizeRatios(cold.ratios),
      warm: summarizeRatios(times.route_times.map((t, i) => t / times.essential_times[i])),
    };
  }

  if (args['cpu-prof']) {
    const dir = args['cpu-prof'];
    for (const route of MEASURED) {
      printProfile(
        route,
        { dir: join(dir, route, 'route'), bundle: bundles[route].bundle },
        { dir: join(dir, route, 'essential'), bundle: essentials[route] },
      );
      printWarmProfile(route, join(dir, route, 'warm'), bundles[route].bundle);
    }
  }

  log('dev server under autocannon...');
  const load = await devServerLoad(store.endpoint, sessions, signingKeys);
  latencyProxy?.stop();
  await store.stop();
  await sqs.stop();
  await xray.stop();

  const report = {
    node: process.version,
    baseline_process_ms: round(baseline, 1),
    ddb_latency_ms: latencyMs,
    routes: results,
    ratios,
    cold_pairs: coldRuns,
    rs256_ms: rs256,
    tracing,
    timing_oracle: oracle && {
      ...oracle,
      difference_pct: round(
        (100 * Math.abs(oracle.unknown_user_p50_ms - oracle.wrong_password_p50_ms)) / oracle.wrong_password_p50_ms,
        1,
      ),
    },
    forgot_timing: forgotOracle && {
      ...forgotOracle,
      difference_pct: round(
        (100 * Math.abs(forgotOracle.unknown_user_p50_ms - forgotOracle.existing_user_p50_ms)) /
          forgotOracle.existing_user_p50_ms,
        1,
      ),
    },
    dev_server: load,
    price: PRICE,
    quick: QUICK,
    seconds: round((performance.now() - started) / 1000, 1),
  };
  const missed = printTable(report);
  if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
  if (args.check && missed > 0) {
    console.log(`\n--check: ${missed} target(s) missed`);
    process.exit(1);
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
