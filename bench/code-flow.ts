import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { FaultProxy } from '../test/support/fault-proxy';
import { addUsers, startDevServer, startStore } from './support';

/**
 * `npm run bench:code-flow`: a whole authorization code flow on the dev server (docs/performance.md
 * "The authorization code flow"): the authorize navigation (the login page), the login form's post
 * (its 303 back with the code), the code's redemption at /oauth2/token, and the same from SSO (no
 * form). For each step: the DynamoDB requests it sends and its sequential round trips (counted by a
 * proxy in front of dynalite; the median over the flows), and its latency over ROUNDS flows (p50,
 * p90). Each flow is a user of its own (at cost 10), as a user signs in now and then: one user
 * signing in ROUNDS times would soon be at the session cap, whose evictions are not this path.
 * Loopback, one machine: the numbers compare steps and runs, not a deployment.
 */
const ROUNDS = Number(process.env.ROUNDS ?? 60);
const TABLE = 'auth-code-flow';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const cookiesOf = (r: Reply) => [r.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]);

async function main() {
  const store = await startStore(TABLE);
  const proxy = new FaultProxy(store.endpoint);
  const endpoint = await proxy.start();
  const users = Array.from({ length: ROUNDS }, (_, i) => `flow-${i}`);
  await addUsers(store.store, users, 'flow-password');
  const server = await startDevServer(endpoint, { TABLE_NAME: TABLE, BCRYPT_COST: process.env.BCRYPT_COST ?? '10' });
  const api = server.url;
  const steps = { authorize: [] as number[], login: [] as number[], redeem: [] as number[], sso: [] as number[] };
  const counts: Record<string, { requests: number[]; waves: number[] }> = {};
  const measure = async <T>(name: keyof typeof steps, act: () => Promise<T>): Promise<T> => {
    const before = proxy.requests;
    proxy.waves = 0;
    const t = process.hrtime.bigint();
    const out = await act();
    steps[name].push(Number(process.hrtime.bigint() - t) / 1e6);
    counts[name] ??= { requests: [], waves: [] };
    counts[name].requests.push(proxy.requests - before);
    counts[name].waves.push(proxy.waves);
    return out;
  };
  const authorizeUrl = (challenge: string) =>
    `${api}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: 'demo-app',
      redirect_uri: 'http://localhost:3000/callback',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'openid',
      state: 's',
    })}`;
  const nav = { 'sec-fetch-mode': 'navigate' };
  for (let i = 0; i < ROUNDS; i++) {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const page = await measure('authorize', () => send(authorizeUrl(challenge), { headers: nav }));
    const authz = page.text.match(/name="authz" value="([^"]+)"/)![1];
    const cookie = cookiesOf(page).join('; ');
    const back = await measure('login', () =>
      send(`${api}/oauth2/login/password`, {
        method: 'POST',
        headers: {
          origin: api,
          'sec-fetch-site': 'same-origin',
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ authz, username: users[i], password: 'flow-password' }).toString(),
      }),
    );
    if (back.status !== 303) throw new Error(`login: ${back.status}`);
    const code = new URL(String(back.headers.location)).searchParams.get('code')!;
    const token = await measure('redeem', () =>
      send(`${api}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'demo-app',
          redirect_uri: 'http://localhost:3000/callback',
          code,
          code_verifier: verifier,
        }).toString(),
      }),
    );
    if (token.status !== 200) throw new Error(`redeem: ${token.status} ${token.text}`);
    // The next app's sign-in from the same browser: SSO answers the navigation with a code.
    const sso = cookiesOf(back).join('; ');
    const direct = await measure('sso', () => send(authorizeUrl(challenge), { headers: { ...nav, cookie: sso } }));
    if (direct.status !== 303) throw new Error(`sso: ${direct.status}`);
  }
  await server.stop();
  await proxy.stop();
  await store.stop();
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
  const rows = (Object.keys(steps) as (keyof typeof steps)[]).map((name) => ({
    step: name,
    requests: pct(counts[name].requests, 0.5),
    round_trips: pct(counts[name].waves, 0.5),
    p50_ms: Number(pct(steps[name], 0.5).toFixed(2)),
    p90_ms: Number(pct(steps[name], 0.9).toFixed(2)),
  }));
  const total = rows.filter((r) => r.step !== 'sso');
  console.table(rows);
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      bcrypt_cost: Number(process.env.BCRYPT_COST ?? 10),
      flow: {
        requests: total.reduce((n, r) => n + r.requests, 0),
        round_trips: total.reduce((n, r) => n + r.round_trips, 0),
        p50_ms_sum: Number(total.reduce((n, r) => n + r.p50_ms, 0).toFixed(2)),
      },
      steps: rows,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
