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

function event(method, path, extra = {}) {
  const headers = {
    host: 'bench.local',
    'x-forwarded-proto': 'https',
    'user-agent': 'bench',
    ...(extra.headers ?? {}),
  };
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    ...(extra.cookies ? { cookies: extra.cookies } : {}),
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: extra.ip ?? '198.51.100.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(extra.body !== undefined
      ? { body: Buffer.from(extra.body).toString('base64'), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}

const loginEvent = (username, password, ip) =>
  event('POST', '/auth/token', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
    ip,
  });

if (mode === 'cold-essential') {
  const { handler } = require(bundlePath);
  await handler(plan);
  process.stdout.write('done 200\n');
  process.exit(0);
}

const oauthEvent = (fields) =>
  event('POST', '/oauth2/token', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
const oauthPassword = () => oauthEvent({ grant_type: 'password', username: plan.username, password: plan.password });
const oauthRefresh = (token) => oauthEvent({ grant_type: 'refresh_token', refresh_token: token });
// POST /auth/password, alternating between two passwords: each change makes the next one's current.
let changeFrom = plan.changeFrom ?? 0;
const passwordChangeEvent = () => {
  const [current, next] = changeFrom === 0 ? plan.changePasswords : [...plan.changePasswords].reverse();
  changeFrom = 1 - changeFrom;
  return event('POST', '/auth/password', {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${plan.accessToken}` },
    body: JSON.stringify({ current_password: current, new_password: next }),
  });
};
const jsonEvent = (path, body) =>
  event('POST', path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
// Forgot alternates between a user who exists and one who does not: the two must take as long.
let forgotN = 0;
/** Whether each forgot invocation named the user who exists, in order. */
const forgotKnown = [];
const forgotEvent = () => {
  const known = forgotN++ % 2 === 0;
  forgotKnown.push(known);
  return jsonEvent('/auth/password/forgot', { username: known ? plan.forgotUsers.known : plan.forgotUsers.unknown });
};
let resetN = 0;
const resetEvent = () =>
  jsonEvent('/auth/password/reset', { token: plan.resetTokens[resetN++], new_password: 'a bench passphrase' });
let verifyN = 0;
const verifyEvent = () => jsonEvent('/auth/email/verify', { token: plan.verifyTokens[verifyN++] });
let signupN = 0;
const signupEvent = () =>
  jsonEvent('/auth/signup', {
    username: `${plan.signupPrefix}-${signupN}`,
    password: 'a bench passphrase',
    email: `${plan.signupPrefix}-${signupN++}@bench.example`,
  });
const resendEvent = () => jsonEvent('/auth/email/verify/resend', { username: plan.resendUser });
const ACCOUNT_EVENTS = {
  forgot: forgotEvent,
  resend: resendEvent,
  reset: resetEvent,
  signup: signupEvent,
  verify: verifyEvent,
};
const discoveryEvent = () => event('GET', '/.well-known/openid-configuration');
const jwksEvent = () => event('GET', '/.well-known/jwks.json');

if (mode === 'cold') {
  const { handler } = require(bundlePath);
  const first = {
    discovery: discoveryEvent,
    jwks: jwksEvent,
    token: () => loginEvent(plan.username, plan.password),
    refresh: () => event('POST', '/auth/refresh', { cookies: [`refresh_token=${plan.refreshTokens[0]}`] }),
    'oauth-password': oauthPassword,
    'oauth-refresh': () => oauthRefresh(plan.refreshTokens[0]),
    'password-change': passwordChangeEvent,
    logout: () => event('POST', '/auth/logout', { cookies: [`refresh_token=${plan.refreshTokens[0]}`] }),
    me: () => event('GET', '/users/me', { headers: { authorization: `Bearer ${plan.accessToken}` } }),
    ...ACCOUNT_EVENTS,
  }[route]();
  newTrace();
  const result = await handler(first, context);
  process.stdout.write(`done ${result.statusCode}\n`);
  process.exit(0);
}

// ---- warm ----
let httpRequests = 0;
subscribe('http.client.request.start', () => httpRequests++);
const { handler } = require(bundlePath);

// The essential work, done directly: same key, same SDK, same store, none of our code.
const { jwtVerify, SignJWT, importJWK } = await import('jose');
const bcrypt = (await import('bcryptjs')).default;
const {
  DynamoDBClient,
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  DeleteItemCommand,
} = await import('@aws-sdk/client-dynamodb');
const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const db = new DynamoDBClient({
  endpoint: plan.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 3,
});
const key = await crypto.subtle.importKey(
  'raw',
  new TextEncoder().encode(plan.secret),
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['sign', 'verify'],
);
const T = plan.tableName;
const S = (v) => ({ S: v });
const N = (v) => ({ N: String(v) });
// Access tokens: RS256 under the key set's current key (verified with its public half); refresh tokens: HS256.
const current = JSON.parse(plan.signingKeys).keys.find((k) => k.label === 'current');
const privateKey = await importJWK(current.jwk, 'RS256');
const publicKey = await importJWK({ kty: 'RSA', n: current.jwk.n, e: current.jwk.e }, 'RS256');
const checks = { issuer: plan.issuer, audience: plan.audience };
const verify = (t) => jwtVerify(t, key, { algorithms: ['HS256'], ...checks });
const verifyAccess = (t) => jwtVerify(t, publicKey, { algorithms: ['RS256'], typ: 'at+jwt', ...checks });
const sign = (claims, exp) => {
  const jwt = new SignJWT(claims)
    .setIssuedAt()
    .setExpirationTime(exp)
    .setIssuer(plan.issuer)
    .setAudience(plan.audience);
  return claims.type === 'refresh'
    ? jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key)
    : jwt.setProtectedHeader({ alg: 'RS256', kid: current.kid, typ: 'at+jwt' }).sign(privateKey);
};
const batchGet = (keys) =>
  db.send(new BatchGetItemCommand({ RequestItems: { [T]: { Keys: keys, ConsistentRead: true } } }));
const userKey = { pk: S(`USER#${plan.username}`), sk: S('PROFILE') };
const sessionKey = (sid) => ({ pk: S(`SESSION#${sid}`), sk: S('SESSION') });
let essentialN = 0;
const essentialToken = () => ({ pk: S('OTT#essential'), sk: S('OTT') });
const writeEssentialUser = () =>
  db.send(
    new UpdateItemCommand({
      TableName: T,
      Key: { pk: S('USER#essential'), sk: S('PROFILE') },
      UpdateExpression: 'SET v = :v',
      ExpressionAttributeValues: { ':v': S('x') },
    }),
  );
/** A place in a count of its own, then (after `between`) one SendMessage to the queue. */
async function countAndHandOff(between = async () => {}) {
  // The contract's per-IP limit needs a bounded count in a window, atomic under concurrency: one
  // conditional update (a plain ADD could not refuse the request past the limit).
  const now = Date.now();
  await db.send(
    new UpdateItemCommand({
      TableName: T,
      Key: { pk: S('THROTTLE_IP#essential'), sk: S('COUNT#essential') },
      UpdateExpression:
        'SET failures = if_not_exists(failures, :zero) + :one, windowStart = if_not_exists(windowStart, :now), ' +
        'expiresAt = if_not_exists(expiresAt, :end)',
      ConditionExpression: 'attribute_not_exists(pk) OR (expiresAt > :nowSec AND failures <= :max)',
      ExpressionAttributeValues: {
        ':zero': N(0),
        ':one': N(1),
        ':now': N(now),
        ':end': N(Math.ceil(now / 1000) + 900),
        ':nowSec': N(Math.floor(now / 1000)),
        ':max': N(1e9),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  await between();
  await sqs.send(new SendMessageCommand({ QueueUrl: plan.queueUrl, MessageBody: JSON.stringify({ u: 'x' }) }));
}

/**
 * A password check as the contract wants it: a place in the username's and the IP's failure counts
 * taken before, given back after (counts of their own: the handler under test must find its user's
 * as it left them).
 */
async function checkWithPlaces(hash) {
  const places = ['THROTTLE#essential', 'THROTTLE_IP#essential'].map((id) => ({ pk: S(id), sk: S('THROTTLE') }));
  const add = (n) => (Key) =>
    db.send(
      new UpdateItemCommand({
        TableName: T,
        Key,
        UpdateExpression: 'ADD failures :n',
        ExpressionAttributeValues: { ':n': N(n) },
      }),
    );
  await Promise.all(places.map(add(1)));
  await bcrypt.compare(plan.password, hash);
  await Promise.all(places.map(add(-1)));
}
const querySessions = (owner) =>
  db.send(
    new QueryCommand({
      TableName: T,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :u',
      ExpressionAttributeValues: { ':u': S(owner) },
    }),
  );

const essential = {
  async token() {
    const out = await batchGet([
      userKey,
      { pk: S(`THROTTLE#${plan.username}`), sk: S('THROTTLE') },
      { pk: S('THROTTLE_IP#198.51.100.1'), sk: S('THROTTLE') },
    ]);
    const user = out.Responses[T].find((i) => i.sk.S === 'PROFILE');
    await checkWithPlaces(user.passwordHash.S);
    const sid = `essential${essentialN++}`;
    await db.send(
      new PutItemCommand({
        TableName: T,
        Item: {
          ...sessionKey(sid),
          username: S(plan.username),
          jti: S('x'),
          expiresAt: N(2e9),
          gsi1pk: S('ESSENTIAL'),
          gsi1sk: S(sid),
        },
      }),
    );
    await Promise.all([
      querySessions('ESSENTIAL'),
      sign({ sub: plan.username, sid, jti: 'a', client_id: 'web' }, '15m'),
      sign({ sub: plan.username, type: 'refresh', sid, jti: 'r' }, '7d'),
    ]);
  },
  async refresh() {
    await verify(plan.essentialRefresh);
    await batchGet([sessionKey(plan.essentialSid), userKey]);
    await db.send(
      new UpdateItemCommand({
        TableName: T,
        Key: sessionKey(plan.essentialSid),
        UpdateExpression: 'SET lastUsedAt = :t',
        ExpressionAttributeValues: { ':t': N(Date.now()) },
      }),
    );
    await Promise.all([
      sign({ sub: plan.username, sid: plan.essentialSid, jti: 'a', client_id: 'web' }, '15m'),
      sign({ sub: plan.username, type: 'refresh', sid: plan.essentialSid, jti: 'r' }, '7d'),
    ]);
  },
  async logout() {
    await verify(plan.essentialRefresh);
    await db.send(new DeleteItemCommand({ TableName: T, Key: sessionKey(`gone${essentialN++}`) }));
  },
  async me() {
    await verifyAccess(plan.accessToken);
    await batchGet([sessionKey(plan.essentialSid), userKey]);
  },
  // Serving a fixed document has no essential work beyond the invocation itself.
  async discovery() {},
  async jwks() {},
  // The contract's password change: the caller's session and user, the lockout's places taken and
  // given back, one bcrypt compare and one hash, the session and the user written, the index query.
  async 'password-change'() {
    await verifyAccess(plan.accessToken);
    const out = await batchGet([sessionKey(plan.essentialSid), userKey]);
    const user = out.Responses[T].find((i) => i.sk.S === 'PROFILE');
    await checkWithPlaces(user.passwordHash.S);
    await bcrypt.hash('a new password', 10);
    const version = (Key) =>
      db.send(
        new UpdateItemCommand({
          TableName: T,
          Key,
          UpdateExpression: 'SET v = :v',
          ExpressionAttributeValues: { ':v': S('x') },
        }),
      );
    await version(sessionKey(plan.essentialSid));
    await version({ pk: S('USER#essential'), sk: S('PROFILE') });
    await querySessions('USER#x');
  },
  // Forgot and resend: the source IP's count and the hand-off to the worker (what the contract needs
  // for the same answer, as fast, whoever is named).
  async forgot() {
    await countAndHandOff();
  },
  async resend() {
    await countAndHandOff();
  },
  // The contract's reset: the token read and used up, a hash, the user written, the lockout cleared.
  async reset() {
    await db.send(new GetItemCommand({ TableName: T, Key: essentialToken(), ConsistentRead: true }));
    await bcrypt.hash('a new password', 10);
    await db.send(new DeleteItemCommand({ TableName: T, Key: essentialToken() }));
    await db.send(new DeleteItemCommand({ TableName: T, Key: { pk: S('THROTTLE#essential'), sk: S('THROTTLE') } }));
    await writeEssentialUser();
  },
  // The contract's sign-up: a hash, the IP's count, the user, the hand-off of the verification message.
  async signup() {
    await bcrypt.hash('a new password', 10);
    await countAndHandOff(async () =>
      db.send(new PutItemCommand({ TableName: T, Item: { pk: S(`USER#e-${essentialN++}`), sk: S('PROFILE') } })),
    );
  },
  // The contract's verification: the token read and used up, the user written.
  async verify() {
    await db.send(new GetItemCommand({ TableName: T, Key: essentialToken(), ConsistentRead: true }));
    await db.send(new DeleteItemCommand({ TableName: T, Key: essentialToken() }));
    await writeEssentialUser();
  },
  // The OAuth grants share the login's and the refresh's rules, so their essential work too.
}[{ 'oauth-password': 'token', 'oauth-refresh': 'refresh' }[route] ?? route];

let refreshCookie = plan.refreshTokens[0];
let logoutIndex = 0;
const nextEvent = {
  token: () => loginEvent(plan.username, plan.password),
  refresh: () => event('POST', '/auth/refresh', { cookies: [`refresh_token=${refreshCookie}`] }),
  'oauth-password': oauthPassword,
  'oauth-refresh': () => oauthRefresh(refreshCookie),
  'password-change': passwordChangeEvent,
  logout: () => event('POST', '/auth/logout', { cookies: [`refresh_token=${plan.refreshTokens[logoutIndex++]}`] }),
  me: () => event('GET', '/users/me', { headers: { authorization: `Bearer ${plan.accessToken}` } }),
  discovery: discoveryEvent,
  jwks: jwksEvent,
  ...ACCOUNT_EVENTS,
}[route];

async function invoke() {
  const result = await handler(nextEvent(), context);
  if (result.statusCode >= 300) throw new Error(`${route} answered ${result.statusCode}: ${result.body}`);
  // Rotation: carry each new refresh cookie forward, as a client would.
  if (route === 'refresh') refreshCookie = result.cookies[0].match(/^refresh_token=([^;]+)/)[1];
  if (route === 'oauth-refresh') refreshCookie = JSON.parse(result.body).refresh_token;
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
newTrace();
await invoke();
const ddbRequests = httpRequests;

const routeTimes = [];
const essentialTimes = [];
let peakRss = 0;
let heapAtQuarter = 0;
// Live heap after a full collection (the warm run is started with --expose-gc), so growth means retention, not garbage.
const liveHeap = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};
for (let i = 0; i < plan.iterations; i++) {
  newTrace();
  let t = performance.now();
  await invoke();
  routeTimes.push(performance.now() - t);
  t = performance.now();
  await essential();
  essentialTimes.push(performance.now() - t);
  if (i % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (i === Math.floor(plan.iterations / 4)) heapAtQuarter = liveHeap();
}
const heapAtEnd = liveHeap();

// Forgot alternated between an existing and an unknown user.
const measuredKnown = forgotKnown.slice(-routeTimes.length);
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
    warm_p99_ms: percentile(routeTimes, 99),
    essential_p50_ms: percentile(essentialTimes, 50),
    ddb_requests: ddbRequests,
    max_rss_mb: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024,
    heap_mb: [heapAtQuarter / 1024 / 1024, heapAtEnd / 1024 / 1024],
    oracle,
    forgotOracle,
  }) + '\n',
);
process.exit(0);
