import autocannon from 'autocannon';
import { AUDIENCE, ISSUER, QUICK, SECRET, TABLE_NAME, round } from './settings';
import { startDevServer } from './support';

export type Sessions = (n: number) => Promise<{ sid: string; refresh: string; access: string }[]>;

/**
 * autocannon, 50 connections on loopback, against `npm start`'s server; refresh carries each rotated cookie forward.
 */
export async function devServerLoad(endpoint: string, sessions: Sessions, signingKeys: string) {
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
