import { startApp, type TestApp } from '../support/app';
import { form, login, request } from '../support/http';

/**
 * The sequential round trips each route waits on (docs/performance.md "Round trips"): on AWS each is
 * a few milliseconds, so their count is part of the contract's latency. Every store call is held a
 * little on the proxy so that calls sent together are seen together, whatever this machine's speed.
 */
jest.setTimeout(30_000);

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

/** The waves of store calls (those in flight together count once) and the calls of `act`. */
async function measure(act: () => Promise<{ status: number }>, expectStatus = 200) {
  app.proxy.inject({ mode: 'delay', delayMs: 25 });
  app.proxy.waves = 0;
  const before = app.proxy.requests;
  try {
    const reply = await act();
    expect(reply.status).toBe(expectStatus);
  } finally {
    app.proxy.restore();
  }
  if (process.env.DEBUG_TRIPS)
    process.stderr.write(
      `${app.proxy.calls
        .slice(before)
        .map((c) => `${c.op} ${c.prefixes}`)
        .join('\n')}\n--\n`,
    );
  return { waves: app.proxy.waves, requests: app.proxy.requests - before };
}

describe('sequential round trips', () => {
  test('a login: 2 (the user read beside both places; the session beside their return and the cap query)', async () => {
    const u = await app.freshUser('pw-trips');
    const cookie = await measure(() =>
      request(`${app.url}/auth/token`, 'POST', form({ username: u, password: 'pw-trips' })),
    );
    expect(cookie).toEqual({ waves: 2, requests: 7 });
    const oauth = () =>
      measure(() =>
        request(`${app.url}/oauth2/token`, 'POST', form({ grant_type: 'password', username: u, password: 'pw-trips' })),
      );
    // The client registry's read comes first, once a minute per function instance (its cache):
    // the client is checked before any credential is.
    expect(await oauth()).toEqual({ waves: 3, requests: 8 });
    expect(await oauth()).toEqual({ waves: 2, requests: 7 });
  });

  test('a refused login: 1; a locked name: 3, without checking a password', async () => {
    const u = await app.freshUser('pw-trips');
    const wrong = () => request(`${app.url}/auth/token`, 'POST', form({ username: u, password: 'wrong' }));
    expect(await measure(wrong, 401)).toEqual({ waves: 1, requests: 3 });
    for (let i = 0; i < 4; i++) await wrong();
    // The refused add reads the record it met (the lock: Retry-After), then the unused IP place goes back.
    // At most 3 waves: when the IP's add is still in flight as the read goes out, the two overlap (2).
    const locked = await measure(wrong, 429);
    expect(locked.requests).toBe(5);
    expect([2, 3]).toContain(locked.waves);
  });

  test('a refresh: 2; /users/me: 1; a password change: 3', async () => {
    const u = await app.freshUser('pw-trips');
    const s = await login(app.url, u, 'pw-trips');
    expect(await measure(() => request(`${app.url}/auth/refresh`, 'POST', { cookie: s.refresh }))).toEqual({
      waves: 2,
      requests: 2,
    });
    expect(await measure(() => request(`${app.url}/users/me`, 'GET', { bearer: s.access }))).toEqual({
      waves: 1,
      requests: 1,
    });
    const change = await measure(() =>
      request(`${app.url}/auth/password`, 'POST', {
        bearer: s.access,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ current_password: 'pw-trips', new_password: 'a brand new passphrase' }),
      }),
    );
    expect(change).toEqual({ waves: 3, requests: 8 });
  });
});
