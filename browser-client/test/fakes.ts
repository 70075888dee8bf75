/**
 * In-memory fakes of what the browser client uses (its Platform): a lock manager with the Web Locks
 * API's one-holder-at-a-time rule, BroadcastChannels that deliver to the other channels of a name,
 * and an API that answers the routes the client calls, counting them. Time is jest's fake timers.
 */
import type { Platform } from '../src/client';

/** navigator.locks: one holder per name at a time, the others waiting in order. */
export function fakeLocks() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request<T>(name: string, work: () => Promise<T>): Promise<T> {
      const run = (tails.get(name) ?? Promise.resolve()).then(work);
      tails.set(
        name,
        run.catch(() => undefined),
      );
      return run;
    },
  };
}

/**
 * BroadcastChannels of one origin: a message reaches every other channel of its name 5 ms later (a
 * task, as in a browser, and later than a lock grant: browsers promise no order between the two).
 */
export function fakeChannels() {
  const open = new Set<{ name: string; onmessage: ((e: { data: unknown }) => void) | null }>();
  return (name: string) => {
    const self = {
      name,
      onmessage: null as ((e: { data: unknown }) => void) | null,
      postMessage(data: unknown) {
        const copy = JSON.parse(JSON.stringify(data));
        for (const other of open)
          if (other !== self && other.name === name) setTimeout(() => other.onmessage?.({ data: copy }), 5);
      },
      close() {
        open.delete(self);
      },
    };
    open.add(self);
    return self as unknown as ReturnType<NonNullable<Platform['channel']>>;
  };
}

type Answer = Response | Error | (() => Response | Promise<Response>);

const json = (status: number, body: object, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const jwt = (sub: string, n: number) => `e30.${Buffer.from(JSON.stringify({ sub, n })).toString('base64url')}.sig`;

/**
 * The API as the client sees it: a login (or an MFA step) starts the session, a refresh with the
 * session alive gives a new access token (15 minutes), `/users/me` accepts only a current token.
 * `next[path]` queues answers to send instead (an Error is a lost answer), first in first out. Every
 * answer takes `latency` ms of fake time.
 */
export function fakeApi({ ttl = 900, latency = 20 }: { ttl?: number; latency?: number } = {}) {
  const counts: Record<string, number> = {};
  const next: Record<string, Answer[]> = {};
  const valid = new Set<string>();
  let n = 0;
  let alive = false;
  const inFlight: Record<string, number> = {};
  const maxInFlight: Record<string, number> = {};
  const issue = () => {
    const token = jwt('alice', ++n);
    valid.add(token);
    alive = true;
    return json(200, { access_token: token, token_type: 'bearer', expires_in: ttl });
  };
  const routes: Record<string, (req: Request) => Response | Promise<Response>> = {
    '/auth/token': async (req) => {
      const form = new URLSearchParams(await req.text());
      if (form.get('password') === 'mfa')
        return json(403, { detail: 'MFA required', mfa_token: 'm'.repeat(43), mfa_methods: ['totp'], expires_in: 300 });
      return form.get('password') === 'right' ? issue() : json(401, { detail: 'Incorrect username or password' });
    },
    '/auth/mfa/verify': async (req) =>
      (await req.json()).code === '123456' ? issue() : json(401, { detail: 'Invalid code' }),
    '/auth/refresh': () => (alive ? issue() : json(401, { detail: 'Invalid refresh token' })),
    '/auth/logout': () => {
      alive = false;
      valid.clear();
      return json(200, { message: 'Successfully logged out' });
    },
    '/users/me': (req) =>
      valid.has(req.headers.get('authorization')?.slice(7) ?? '')
        ? json(200, { username: 'alice' })
        : json(401, { detail: 'Could not validate credentials' }),
  };
  routes['/auth/logout-all'] = routes['/auth/logout'];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    counts[path] = (counts[path] ?? 0) + 1;
    inFlight[path] = (inFlight[path] ?? 0) + 1;
    maxInFlight[path] = Math.max(maxInFlight[path] ?? 0, inFlight[path]);
    try {
      // A round trip takes time (fake time): tabs whose timers fire together overlap on the wire.
      await new Promise((r) => setTimeout(r, latency));
      const queued = next[path]?.shift();
      if (queued instanceof Error) throw queued;
      if (queued) return typeof queued === 'function' ? await queued() : queued;
      return await routes[path](req);
    } finally {
      inFlight[path]--;
    }
  }) as typeof globalThis.fetch;
  return {
    fetch,
    counts,
    next,
    /** The most requests to `path` ever in flight at once. */
    maxInFlight: (path: string) => maxInFlight[path] ?? 0,
    /** Ends the session at the API (a logout elsewhere, a replay detected): refreshes get 401. */
    endSession: () => {
      alive = false;
      valid.clear();
    },
    /** Expires every access token now (as the API would after their 15 minutes). */
    expireTokens: () => valid.clear(),
    json,
  };
}
