import { startApp, type TestApp } from '../support/app';
import { login, request } from '../support/http';

// The refresh cookie on the cookie routes (docs/http-contract.md "Sessions"): a request that carries
// it twice (a sibling subdomain can toss one of the same name) is refused and ends nothing.

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

/** Both cookies, the one a sibling subdomain tossed first (browsers send the longer Path first). */
const twice = (tossed: string, ours: string) => ({
  headers: { cookie: `refresh_token=${tossed}; refresh_token=${ours}` },
});

test.each(['/auth/refresh', '/auth/logout', '/auth/logout-all'])(
  'POST %s with two refresh cookies is 401 and ends nothing, neither session',
  async (path) => {
    await app.addUser('mallory', 'pw-mallory');
    // The tossed cookie is a genuine one of the attacker's: read first, it would be served.
    const attacker = await login(app.url, 'mallory', 'pw-mallory');
    const victim = await login(app.url);
    const reply = await request(`${app.url}${path}`, 'POST', twice(attacker.refresh, victim.refresh));
    expect([reply.status, reply.body]).toEqual([401, { detail: 'Invalid refresh token' }]);
    expect(reply.setCookies).toEqual([]);
    for (const s of [attacker, victim]) {
      expect(await app.session(s.sid)).toMatchObject({ jti: expect.any(String) });
      expect((await request(`${app.url}/users/me`, 'GET', { bearer: s.access })).status).toBe(200);
    }
    // The genuine cookie alone still works, and is still the one it was (no rotation happened).
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: victim.refresh })).status).toBe(200);
  },
);
