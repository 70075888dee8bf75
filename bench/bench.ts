/**
 * `npm run bench [-- --json bench-results.json] [-- --quick]`: measures the deployed bundles (the
 * esbuild output of `cdk synth`) against a local dynalite, and the dev server under autocannon.
 * Prints a table and the performance targets (README "Performance"); never fails on a missed
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
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { newKeySet } from '../functions/core/keys';
import { TokenService, newId } from '../functions/core/tokens';
import { tokenKeys } from '../functions/store/keys';
import { TABLE, sessionKey } from '../functions/store/schema';
import { startXrayDaemon, tracedLambdaEnvironment } from '../dev/xray-daemon';
import { buildApp } from '../lib/app';
import { functionId } from '../lib/route-function';
import { seedAccounts } from './accounts';
import { addUsers, startDevServer, startFakeSqs, startStore } from './support';

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    quick: { type: 'boolean' },
    check: { type: 'boolean' },
    // e.g. --target coldRatio=1.05: override a target (CI sets an impossible one to prove --check fails).
    target: { type: 'string', multiple: true },
    iterations: { type: 'string' },
    // e.g. --only forgot,resend: measure these routes alone (while working on them).
    only: { type: 'string' },
  },
});
const QUICK = args.quick === true;
const ROUTES = [
  'token',
  'refresh',
  'oauth-password',
  'oauth-refresh',
  'logout',
  'me',
  'discovery',
  'jwks',
  'password-change',
  'forgot',
  'resend',
  'reset',
  'signup',
  'verify',
] as const;
type RouteName = (typeof ROUTES)[number];
/** The function (its name in functions/routes.ts, and so its id) of each measured route. */
const HANDLER: Record<RouteName, string> = {
  token: 'token',
  refresh: 'refresh',
  // POST /oauth2/token, once per grant: the same rules as the login and the refresh, other wire format.
  'oauth-password': 'oauth2-token',
  'oauth-refresh': 'oauth2-token',
  logout: 'logout',
  me: 'me',
  'password-change': 'password-change',
  discovery: 'openid-configuration',
  jwks: 'jwks',
  forgot: 'password-forgot',
  resend: 'email-verify-resend',
  reset: 'password-reset',
  signup: 'signup',
  verify: 'email-verify',
};
/** Routes measured again with tracing on: the login, and the two calls every client makes most. */
const TRACED_ROUTES: readonly RouteName[] = ['token', 'refresh', 'me'];
/** Routes that spend a bcrypt run per invocation: fewer iterations. */
const BCRYPT_ROUTES: readonly RouteName[] = ['token', 'oauth-password', 'password-change', 'reset', 'signup'];
/** The stack as synthesized for the bench: every account route deployed (the email ones need a sender). */
const ACCOUNT_CONTEXT = {
  emailFrom: 'no-reply@bench.example',
  passwordResetUrl: 'https://app.bench.example/reset',
  allowSignup: 'true',
  emailVerifyUrl: 'https://app.bench.example/verify',
};
const ISSUER = 'https://bench.example';
const AUDIENCE = 'serverless-auth-api';
const SECRET = randomBytes(32).toString('base64url');
const TABLE_NAME = 'auth-bench';
// AWS Lambda, arm64, US East (N. Virginia), first pricing tier: the public price list as read on 2026-11-29.
const PRICE = {
  perGbSecond: 0.0000133334,
  perMillionRequests: 0.2,
  date: '2026-11-29',
  arch: 'arm64',
  region: 'us-east-1',
};
const TARGETS = {
  ratio: 1.25,
  slackMs: 0.3,
  coldMs: 120,
  /** Cold start over the essential bundle's (the floor the mandated SDK, jose and bcryptjs allow). */
  coldRatio: 1.15,
  /** The discovery routes serve a fixed document. */
  discoveryWarmMs: 1,
  bundleKb: 700,
  // A login: one read, a place taken and given back in the username's and the IP's failure counts
  // (four writes: the brute-force rule under concurrency), the session, the session cap's query.
  ddb: {
    token: 7,
    refresh: 2,
    'oauth-password': 7,
    'oauth-refresh': 2,
    logout: 1,
    me: 1,
    discovery: 0,
    jwks: 0,
    // The read, two places and their return, the caller's session and the user moved to the new
    // credential version, the index query for the other sessions (none here to tidy).
    'password-change': 8,
    // Requests of every kind (DynamoDB and SQS). Forgot and resend: the IP's count and the hand-off,
    // whoever is named (the mail worker does the rest after the answer).
    forgot: 2,
    resend: 2,
    // The token read and used up, the lockout cleared, the user written, the index query for tidying.
    reset: 5,
    // The IP's count, the user, the hand-off of the verification message.
    signup: 3,
    // The token read and used up, the user marked verified.
    verify: 3,
  } as Record<RouteName, number>,
};
/** Routes measured against another route's essential work (the same rules, another wire format). */
const ESSENTIAL_OF: Partial<Record<RouteName, RouteName>> = { 'oauth-password': 'token', 'oauth-refresh': 'refresh' };
const isDiscovery = (route: string) => route === 'discovery' || route === 'jwks';
for (const override of args.target ?? []) {
  const [name, value] = override.split('=');
  const scalar = ['ratio', 'slackMs', 'coldMs', 'coldRatio', 'discoveryWarmMs', 'bundleKb'];
  if (!scalar.includes(name) || !Number.isFinite(Number(value))) {
    console.error(`bench: --target takes one of ${scalar.join(', ')}=<number>, got "${override}"`);
    process.exit(2);
  }
  (TARGETS as unknown as Record<string, number>)[name] = Number(value);
}

const execFileAsync = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** `cdk synth` in-process into a scratch folder: the bundles, memory sizes and handlers the stack deploys. */
async function synthBundles(
  context: Record<string, string> = {},
): Promise<Record<RouteName, { bundle: string; memoryMb: number }>> {
  const outdir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  const { app } = buildApp(
    new App({
      outdir,
      context: {
        'aws:cdk:enable-asset-metadata': true,
        'aws:cdk:enable-path-metadata': true,
        ...ACCOUNT_CONTEXT,
        ...context,
      },
    }),
  );
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(outdir, assembly.stacks[0].templateFile), 'utf8'));
  const found: Partial<Record<RouteName, { bundle: string; memoryMb: number }>> = {};
  for (const r of Object.values(template.Resources) as {
    Type: string;
    Properties: { MemorySize: number };
    Metadata: Record<string, string>;
  }[]) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    // The segment before /Resource is the function's construct id, as `sam local invoke` reads it.
    const id = r.Metadata['aws:cdk:path'].split('/').at(-2);
    for (const route of ROUTES.filter((name) => id === functionId(HANDLER[name]))) {
      found[route] = {
        bundle: join(outdir, r.Metadata['aws:asset:path'], 'index.js'),
        memoryMb: r.Properties.MemorySize,
      };
    }
  }
  return found as Record<RouteName, { bundle: string; memoryMb: number }>;
}

async function main() {
  const started = performance.now();
  log('synthesizing the stack (esbuild bundles)...');
  const bundles = await synthBundles();
  log('synthesizing the stack again with -c tracing=true...');
  const tracedBundles = await synthBundles({ tracing: 'true' });
  const xray = await startXrayDaemon();
  const store = await startStore(TABLE_NAME);
  const { doc } = store;
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

  /** Writes n live sessions straight into the table and returns their tokens. */
  async function sessions(n: number, owner = username) {
    const out: { sid: string; refresh: string; access: string }[] = [];
    const now = Date.now();
    const iat = Math.floor(now / 1000);
    for (let i = 0; i < n; i++) {
      const sid = newId();
      const jti = newId();
      const refresh = await tokens.sign({ type: 'refresh', sub: owner, sid, jti, issuedAt: now });
      const access = await tokens.sign({ type: 'access', sub: owner, sid, jti: newId(), issuedAt: now });
      out.push({ sid, refresh, access });
      (out[i] as { jti?: string }).jti = jti;
    }
    for (let i = 0; i < out.length; i += 25) {
      const items = out.slice(i, i + 25).map((s) => ({
        PutRequest: {
          Item: {
            ...sessionKey(s.sid),
            sid: s.sid,
            username: owner,
            jti: (s as { jti?: string }).jti,
            createdAt: now,
            lastUsedAt: now,
            expiresAt: iat + 604800,
            absoluteExpiresAt: iat + 2592000,
            [TABLE.indexPartitionKey]: `USER#${owner}`,
            [TABLE.indexSortKey]: `SESSION#${now}`,
          },
        },
      }));
      await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE_NAME]: items } }));
    }
    return out;
  }

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
    DYNAMODB_ENDPOINT: store.endpoint,
    JWT_SECRET: SECRET,
    SIGNING_KEYS: signingKeys,
    TOKEN_ISSUER: ISSUER,
    TOKEN_AUDIENCE: AUDIENCE,
    COOKIE_SECURE: 'true',
    NODE_OPTIONS: '--enable-source-maps', // as deployed
    POWERTOOLS_LOG_LEVEL: 'INFO', // as deployed: audit lines are part of the cost
    // The bench's one user collects a session per login and per seeded token: a cap this high keeps
    // every login on the common path (below the cap). At the cap a login also evicts the oldest
    // session: one BatchGetItem and one DeleteItem more (README "Performance").
    MAX_SESSIONS_PER_USER: '1000',
    AWS_REGION: 'us-east-1',
  };
  const scratch = mkdtempSync(join(tmpdir(), 'auth-bench-plan-'));
  const planFile = (name: string, plan: object) => {
    const file = join(scratch, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        endpoint: store.endpoint,
        tableName: TABLE_NAME,
        secret: SECRET,
        signingKeys,
        issuer: ISSUER,
        audience: AUDIENCE,
        username,
        password,
        queueUrl: sqs.queueUrl,
        ...plan,
      }),
    );
    return file;
  };

  log('essential bundles (the same libraries, none of our code), RS256 timings...');
  const essentials = await essentialBundles(scratch);
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
      const child = spawn(process.execPath, ['bench/runner.mjs', mode, bundle, route, plan], {
        env: kind === 'traced' ? tracedEnv(route) : env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
        const m = out.match(/done (\d+)/);
        if (m) {
          const elapsed = performance.now() - t;
          child.kill();
          if (Number(m[1]) >= 300) reject(new Error(`${route} cold invocation answered ${m[1]}`));
          else resolve(elapsed);
        }
      });
      child.on('exit', (code) =>
        out.includes('done') ? undefined : reject(new Error(`${route} cold run exited ${code}`)),
      );
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
    const r = await execFileAsync(process.execPath, ['--expose-gc', 'bench/runner.mjs', 'warm', bundle, route, plan], {
      env: traced ? tracedEnv(route) : env,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    }).catch((err: { stderr?: string }) => {
      throw new Error(`${route} warm run failed: ${String(err.stderr).slice(-2000)}`);
    });
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  }

  const results: Record<string, Record<string, number>> = {};
  /** The traced routes: cold start and warm p50 beside the untraced ones measured with them. */
  const tracing: Record<string, Record<string, number>> = {};
  let oracle: Record<string, number> | undefined;
  let forgotOracle: Record<string, number> | undefined;
  const coldRuns = QUICK ? 3 : 10;
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
  const measured = args.only ? ROUTES.filter((r) => args.only!.split(',').includes(r)) : ROUTES;
  for (const route of measured) {
    log(`${route}: ${coldRuns} cold starts, then warm invocations...`);
    const colds: number[] = [];
    const essentialColds: number[] = [];
    const traced = TRACED_ROUTES.includes(route);
    const tracedColds: number[] = [];
    const segmentsBefore = xray.documents.length;
    for (let i = 0; i < coldRuns; i++) {
      const [s] = await sessions(1);
      const cold = {
        refreshTokens: [s.refresh],
        accessToken: s.access,
        essentialSid: s.sid,
        essentialRefresh: s.refresh,
        ...(route === 'password-change' ? changePlan() : {}),
        ...accountPlan(route, 1),
      };
      if (route === 'password-change') changeFrom = 1 - changeFrom;
      // Interleaved, so that both see the same machine.
      colds.push(await coldStart(route, planFile(`${route}-cold-${i}`, cold)));
      essentialColds.push(await coldStart(route, planFile(`${route}-essential-cold-${i}`, cold), 'essential'));
      if (traced) {
        // A session of its own: the untraced run has rotated (refresh) the one above.
        const [t] = await sessions(1);
        const plan = { ...cold, refreshTokens: [t.refresh], accessToken: t.access };
        tracedColds.push(await coldStart(route, planFile(`${route}-traced-cold-${i}`, plan), 'traced'));
      }
    }
    // Logins and password writes spend a bcrypt run each: fewer of them.
    const login = BCRYPT_ROUTES.includes(route);
    const iterations = login ? (QUICK ? 10 : 50) : Number(args.iterations ?? (QUICK ? 100 : 1000));
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
        untraced_cold_start_ms: round(median(colds), 1),
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
      cold_start_ms: round(median(colds), 1),
      essential_cold_start_ms: round(median(essentialColds), 1),
      warm_p50_ms: round(w.warm_p50_ms, 3),
      warm_p99_ms: round(w.warm_p99_ms, 3),
      essential_p50_ms: round(w.essential_p50_ms, 3),
      ddb_requests: w.ddb_requests,
      memory_mb: memoryMb,
      // Billed duration rounds up to the millisecond.
      lambda_usd_per_million: round(
        1e6 * ((memoryMb / 1024) * (Math.ceil(w.warm_p50_ms) / 1000) * PRICE.perGbSecond) + PRICE.perMillionRequests,
        4,
      ),
      process_max_rss_mb: round(w.max_rss_mb, 1),
      heap_used_mb_quarter_then_end: (w.heap_mb as unknown as number[]).map((x) => round(x, 1)) as unknown as number,
    };
  }

  log('dev server under autocannon...');
  const load = await devServerLoad(store.endpoint, sessions, signingKeys);
  await store.stop();
  await sqs.stop();
  await xray.stop();

  const report = {
    node: process.version,
    baseline_process_ms: round(baseline, 1),
    routes: results,
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

/** One essential bundle per route (bench/essential.mjs), bundled the way the stack bundles the functions. */
async function essentialBundles(dir: string): Promise<Record<RouteName, string>> {
  const { build } = await import('esbuild');
  const out: Partial<Record<RouteName, string>> = {};
  for (const route of ROUTES) {
    const outfile = join(dir, `essential-${route}.js`);
    await build({
      entryPoints: ['bench/essential.mjs'],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      mainFields: ['module', 'main'],
      // The OAuth grants have the essential work of the routes whose rules they share.
      define: { 'process.env.BENCH_ROUTE': JSON.stringify(ESSENTIAL_OF[route] ?? route) },
      outfile,
      logLevel: 'error',
    });
    out[route] = outfile;
  }
  return out as Record<RouteName, string>;
}

/** p50 of an RS256 sign and verify with the current key (a warm process, keys imported once). */
async function rs256Timings(signingKeys: string, n: number): Promise<{ sign_p50: number; verify_p50: number }> {
  const { SignJWT, importJWK, jwtVerify } = await import('jose');
  const current = JSON.parse(signingKeys).keys.find((k: { label: string }) => k.label === 'current');
  const priv = await importJWK(current.jwk, 'RS256');
  const pub = await importJWK({ kty: 'RSA', n: current.jwk.n, e: current.jwk.e }, 'RS256');
  const signs: number[] = [];
  const verifies: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const jwt = await new SignJWT({ sub: `u${i}` }).setProtectedHeader({ alg: 'RS256', kid: current.kid }).sign(priv);
    signs.push(performance.now() - t);
    t = performance.now();
    await jwtVerify(jwt, pub);
    verifies.push(performance.now() - t);
  }
  return { sign_p50: round(median(signs), 3), verify_p50: round(median(verifies), 3) };
}

type Sessions = (n: number) => Promise<{ sid: string; refresh: string; access: string }[]>;

/**
 * autocannon, 50 connections on loopback, against `npm start`'s server; refresh carries each rotated cookie forward.
 */
async function devServerLoad(endpoint: string, sessions: Sessions, signingKeys: string) {
  const server = await startDevServer(endpoint, {
    TABLE_NAME,
    JWT_SECRET: SECRET,
    SIGNING_KEYS: signingKeys,
    TOKEN_ISSUER: ISSUER,
    TOKEN_AUDIENCE: AUDIENCE,
  });
  const { url } = server;
  const duration = QUICK ? 2 : 10;
  const connections = 50;
  const [me] = await sessions(1);
  const meRun = await autocannon({
    url: `${url}/users/me`,
    connections,
    duration,
    headers: { authorization: `Bearer ${me.access}` },
  });

  const pool = (await sessions(connections + 10)).map((s) => ({ cookie: s.refresh }));
  const refreshRun = await autocannon({
    url: `${url}/auth/refresh`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        setupRequest: (req: Record<string, unknown>, ctx: Record<string, unknown>) => {
          const s = pool.pop()!;
          ctx.s = s;
          return { ...req, headers: { ...(req.headers as object), cookie: `refresh_token=${s.cookie}` } };
        },
        onResponse: (
          status: number,
          _body: string,
          ctx: Record<string, unknown>,
          headers: Record<string, string | string[]>,
        ) => {
          const s = ctx.s as { cookie: string };
          const set = [headers['set-cookie']].flat().find((c) => c?.startsWith('refresh_token='));
          if (status === 200 && set) s.cookie = set.slice('refresh_token='.length).split(';')[0];
          pool.push(s);
        },
      },
    ],
  } as autocannon.Options);
  // Stopped and waited for before the store stops: none of its requests may still be in flight.
  await server.stop();
  const summary = (r: autocannon.Result) => ({
    requests_per_second: round(r.requests.average, 0),
    p99_ms: r.latency.p99,
    non_2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    total: r.requests.total,
  });
  return {
    connections,
    duration_s: duration,
    me: summary(meRun),
    refresh: summary(refreshRun),
    max_rss_note: 'see npm run load for memory over time',
  };
}

/** Prints the table and the targets; returns how many targets were missed. */
function printTable(report: {
  node: string;
  baseline_process_ms: number;
  routes: Record<string, Record<string, number>>;
  rs256_ms: { sign_p50: number; verify_p50: number };
  tracing: Record<string, Record<string, number>>;
  timing_oracle?: Record<string, number>;
  forgot_timing?: Record<string, number>;
  dev_server: Awaited<ReturnType<typeof devServerLoad>>;
}): number {
  let missed = 0;
  const ok = (b: boolean) => {
    if (!b) missed++;
    return b ? 'ok ' : 'MISS';
  };
  console.log(`\nnode ${report.node}; baseline process (node -e 0): ${report.baseline_process_ms} ms\n`);
  console.log(
    'route          bundle KB  cold ms (-base)  ess. cold  ratio  warm p50  warm p99  essential p50  ratio  DDB req' +
      '  memory MB  max RSS MB  USD / 1M',
  );
  for (const [route, r] of Object.entries(report.routes)) {
    console.log(
      [
        route.padEnd(14),
        String(r.bundle_kb).padStart(9),
        `${r.cold_start_ms} (${round(r.cold_start_ms - report.baseline_process_ms, 1)})`.padStart(15),
        String(r.essential_cold_start_ms).padStart(10),
        String(round(r.cold_start_ms / r.essential_cold_start_ms, 2)).padStart(6),
        String(r.warm_p50_ms).padStart(9),
        String(r.warm_p99_ms).padStart(9),
        String(r.essential_p50_ms).padStart(14),
        String(round(r.warm_p50_ms / r.essential_p50_ms, 2)).padStart(6),
        String(r.ddb_requests).padStart(8),
        String(r.memory_mb).padStart(10),
        String(r.process_max_rss_mb).padStart(11),
        String(r.lambda_usd_per_million).padStart(9),
      ].join(' '),
    );
  }
  console.log(`\ntargets${QUICK ? ' (quick run: too few samples to judge them; run without --quick)' : ''}`);
  for (const [route, r] of Object.entries(report.routes)) {
    const warmText = isDiscovery(route)
      ? `${ok(r.warm_p50_ms < TARGETS.discoveryWarmMs)} ${`warm p50 < ${TARGETS.discoveryWarmMs} ms`.padEnd(44)}`
      : `${ok(
          r.warm_p50_ms <= TARGETS.ratio * r.essential_p50_ms || r.warm_p50_ms - r.essential_p50_ms <= TARGETS.slackMs,
        )} warm p50 within ${TARGETS.ratio}x or ${TARGETS.slackMs} ms of essential`;
    const absolute = ['refresh', 'logout', 'me'].includes(route)
      ? `${ok(r.cold_start_ms - report.baseline_process_ms <= TARGETS.coldMs)} cold - baseline <= ${TARGETS.coldMs} ms`
      : '     (no absolute cold target)';
    const withinRatio = r.cold_start_ms <= TARGETS.coldRatio * r.essential_cold_start_ms;
    const ratio = `${ok(withinRatio)} cold <= ${TARGETS.coldRatio}x essential`;
    const ddb = TARGETS.ddb[route as RouteName];
    console.log(
      `  ${route.padEnd(14)} ${warmText}   ${ratio}   ${absolute}   ` +
        `${ok(r.bundle_kb <= TARGETS.bundleKb)} bundle <= ${TARGETS.bundleKb} KB   ` +
        `${ok(r.ddb_requests <= ddb)} DDB requests <= ${ddb}`,
    );
  }
  if (report.timing_oracle) {
    const o = report.timing_oracle;
    console.log(
      `  login p50: unknown user ${round(o.unknown_user_p50_ms, 1)} ms, ` +
        `wrong password ${round(o.wrong_password_p50_ms, 1)} ms: ` +
        `${o.difference_pct}% apart  ${ok(o.difference_pct <= 10)} (<= 10%)`,
    );
  }
  if (report.forgot_timing) {
    const o = report.forgot_timing;
    console.log(
      `  forgot p50: existing user ${round(o.existing_user_p50_ms, 2)} ms, ` +
        `unknown user ${round(o.unknown_user_p50_ms, 2)} ms: ${o.difference_pct}% apart (same work by construction)`,
    );
  }
  console.log(
    `  RS256 (one core): sign p50 ${report.rs256_ms.sign_p50} ms, verify p50 ${report.rs256_ms.verify_p50} ms`,
  );
  if (Object.keys(report.tracing).length > 0) {
    console.log('\ntracing (-c tracing=true): traced (untraced in this run, difference)');
    console.log(
      `  ${'route'.padEnd(14)} ${'bundle KB'.padEnd(24)} ${'cold ms'.padEnd(24)} ${'warm p50 ms'.padEnd(28)} ` +
        `${'warm p99 ms'.padEnd(28)} segments`,
    );
    const pair = (on: number, off: number, d = 1) => `${on} (${off}, ${on - off >= 0 ? '+' : ''}${round(on - off, d)})`;
    for (const [route, t] of Object.entries(report.tracing)) {
      console.log(
        [
          `  ${route.padEnd(14)}`,
          pair(t.bundle_kb, t.untraced_bundle_kb).padEnd(24),
          pair(t.cold_start_ms, t.untraced_cold_start_ms).padEnd(24),
          pair(t.warm_p50_ms, t.untraced_warm_p50_ms, 3).padEnd(28),
          pair(t.warm_p99_ms, t.untraced_warm_p99_ms, 3).padEnd(28),
          String(t.segments_received).padStart(8),
        ].join(' '),
      );
    }
  }
  const d = report.dev_server;
  console.log(`\ndev server, autocannon ${d.connections} connections x ${d.duration_s} s on loopback:`);
  for (const name of ['me', 'refresh'] as const) {
    const r = d[name];
    const label = name === 'me' ? 'GET /users/me    ' : 'POST /auth/refresh';
    console.log(
      `  ${label}  ${r.requests_per_second} req/s, p99 ${r.p99_ms} ms, ` +
        `${r.total} requests, ${r.non_2xx} non-2xx, ${r.errors} errors`,
    );
  }
  return missed;
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
