import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpEvent, HttpResult } from '../../functions/http/types';
import { toContext } from '../../lib/local/event';
import { loadHandlers, type LambdaHandler } from '../../lib/local/server';
import { fallbackHandler, routes } from '../../lib/routes';
import { startApp, type TestApp } from '../support/app';
import { login } from '../support/http';

let app: TestApp;
let handlers: Record<string, LambdaHandler>;
beforeAll(async () => {
  app = await startApp();
  handlers = await loadHandlers();
});
afterAll(() => app.close());

const load = (name: string): HttpEvent => JSON.parse(readFileSync(join(__dirname, '..', 'events', `${name}.json`), 'utf8'));
const invoke = (name: string, event: HttpEvent): Promise<HttpResult> => handlers[name](event, toContext(name));

/** What each event file answers as committed (its tokens are placeholders to paste real ones into). */
const AS_COMMITTED: Record<string, [number, unknown]> = {
  token: [200, undefined],
  refresh: [401, { detail: 'Invalid refresh token' }],
  logout: [200, { message: 'Successfully logged out' }],
  me: [401, { detail: 'Could not validate credentials' }],
  [fallbackHandler]: [404, { detail: 'Not Found' }],
};

describe('test/events (the payloads `sam local invoke -e` uses)', () => {
  test('there is one event per function, each matching its route key', () => {
    for (const route of routes) expect(load(route.handler).routeKey).toBe(`${route.method} ${route.path}`);
    expect(load(fallbackHandler).routeKey).toBe('$default');
    expect(Object.keys(AS_COMMITTED).sort()).toEqual([...routes.map((r) => r.handler), fallbackHandler].sort());
  });

  test.each(Object.entries(AS_COMMITTED))('%s.json runs through its handler against the local store', async (name, [status, body]) => {
    const result = await invoke(name, load(name));
    expect(result.statusCode).toBe(status);
    if (body !== undefined) expect(JSON.parse(result.body!)).toEqual(body);
    if (name === 'token') expect(JSON.parse(result.body!).token_type).toBe('bearer');
  });

  test('refresh.json, me.json and logout.json answer 200 once real tokens are pasted in', async () => {
    const session = await login(app.url);
    const withCookie = (e: HttpEvent) => ({ ...e, cookies: [`refresh_token=${session.refresh}`] });
    expect((await invoke('refresh', withCookie(load('refresh')))).statusCode).toBe(200);
    const me = load('me');
    expect((await invoke('me', { ...me, headers: { ...me.headers, authorization: `Bearer ${session.access}` } })).statusCode).toBe(200);
    expect((await invoke('logout', withCookie(load('logout')))).statusCode).toBe(200);
    expect(await app.session(session.sid)).toBeUndefined();
  });
});
