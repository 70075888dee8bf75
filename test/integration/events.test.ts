import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpEvent, HttpResult } from '../../functions/http/types';
import { toContext } from '../../dev/event';
import { loadHandlers, type LambdaHandler } from '../../dev/server';
import { fallbackHandler, routes } from '../../functions/routes';
import { startApp, type TestApp } from '../support/app';
import { AS_COMMITTED } from '../support/event-answers';
import { login } from '../support/http';

let app: TestApp;
let handlers: Record<string, LambdaHandler>;
beforeAll(async () => {
  app = await startApp();
  handlers = await loadHandlers();
});
afterAll(() => app.close());

const load = (name: string): HttpEvent =>
  JSON.parse(readFileSync(join(__dirname, '..', 'events', `${name}.json`), 'utf8'));
const invoke = (name: string, event: HttpEvent): Promise<HttpResult> => handlers[name](event, toContext(name));

describe('test/events (the payloads `sam local invoke -e` uses)', () => {
  test('there is one event per function, each matching its route key', () => {
    for (const route of routes) expect(load(route.name).routeKey).toBe(`${route.method} ${route.path}`);
    expect(load(fallbackHandler).routeKey).toBe('$default');
    expect(Object.keys(AS_COMMITTED).sort()).toEqual([...routes.map((r) => r.name), fallbackHandler].sort());
  });

  test.each(Object.entries(AS_COMMITTED))(
    '%s.json runs through its handler against the local store',
    async (name, [status, body]) => {
      const result = await invoke(name, load(name));
      expect(result.statusCode).toBe(status);
      if (body !== undefined) expect(JSON.parse(result.body!)).toEqual(body);
      if (name === 'token') expect(JSON.parse(result.body!).token_type).toBe('bearer');
    },
  );

  test('every event answers 2xx once real tokens (and a session id) are pasted in', async () => {
    const session = await login(app.url);
    const withCookie = (e: HttpEvent, token: string) => ({ ...e, cookies: [`refresh_token=${token}`] });
    const withBearer = (e: HttpEvent) => ({
      ...e,
      headers: { ...e.headers, authorization: `Bearer ${session.access}` },
    });
    const refreshed = await invoke('refresh', withCookie(load('refresh'), session.refresh));
    expect(refreshed.statusCode).toBe(200);
    const rotated = refreshed.cookies![0].match(/^refresh_token=([^;]+)/)![1];
    expect((await invoke('me', withBearer(load('me')))).statusCode).toBe(200);
    expect((await invoke('sessions', withBearer(load('sessions')))).statusCode).toBe(200);
    const other = await login(app.url);
    const del = load('session-delete');
    expect(
      (
        await invoke(
          'session-delete',
          withBearer({ ...del, rawPath: `/auth/sessions/${other.sid}`, pathParameters: { id: other.sid } }),
        )
      ).statusCode,
    ).toBe(204);
    expect((await invoke('logout', withCookie(load('logout'), rotated))).statusCode).toBe(200);
    expect(await app.session(session.sid)).toBeUndefined();
    const third = await login(app.url);
    expect((await invoke('logout-all', withCookie(load('logout-all'), third.refresh))).statusCode).toBe(200);
  });
});
