import bcrypt from 'bcryptjs';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { startApp, type TestApp } from '../support/app';
import { maxChecks } from '../support/lockout';
import { request } from '../support/http';

// The OAuth 2.0 endpoints as a maintained client library uses them (openid-client, which is what
// Node services use to talk to an OAuth server), then the RFC's error cases by hand.

let app: TestApp;
let config: client.Configuration;
beforeAll(async () => {
  app = await startApp();
  await app.addUser('olga', 'pw-olga');
  // The library reads our discovery document; the dev server is plain http, which it must be told to accept.
  config = await client.discovery(new URL(app.url), 'cli-app', undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
});
afterAll(() => app.close());

const form = (body: string, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body,
});
const token = (body: string, headers?: Record<string, string>) =>
  request(`${app.url}/oauth2/token`, 'POST', form(body, headers));
const revoke = (body: string) => request(`${app.url}/oauth2/revoke`, 'POST', form(body));
const me = (bearer: string) => request(`${app.url}/users/me`, 'GET', { bearer });

describe('with openid-client', () => {
  test('password grant, refresh with the token it got, /users/me, revoke, then refresh is invalid_grant', async () => {
    const first = await client.genericGrantRequest(config, 'password', { username: 'olga', password: 'pw-olga' });
    expect(first.token_type).toBe('bearer'); // the library lower-cases it
    expect(first.refresh_token).toBeDefined();
    expect(decodeJwt(first.access_token)).toMatchObject({ sub: 'olga', client_id: 'cli-app' });

    const second = await client.refreshTokenGrant(config, first.refresh_token!);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await me(second.access_token)).body).toMatchObject({ username: 'olga' });

    await client.tokenRevocation(config, second.refresh_token!);
    expect((await me(second.access_token)).status).toBe(401);
    const after = client.refreshTokenGrant(config, second.refresh_token!);
    await expect(after).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  test("discovery by RFC 8414's path (algorithm: 'oauth2') finds the same endpoints, and the grants work", async () => {
    const oauth2 = await client.discovery(new URL(app.url), 'cli-app', undefined, client.None(), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    expect(oauth2.serverMetadata()).toEqual(config.serverMetadata());
    const first = await client.genericGrantRequest(oauth2, 'password', { username: 'olga', password: 'pw-olga' });
    await client.tokenRevocation(oauth2, first.refresh_token!);
    expect((await me(first.access_token)).status).toBe(401);
  });

  test('a wrong password is invalid_grant, which the library surfaces as such', async () => {
    const wrong = client.genericGrantRequest(config, 'password', { username: 'olga', password: 'nope' });
    await expect(wrong).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });
});

describe('scope, with no scope declared beyond the built-in ones', () => {
  test.each(['orders:read', 'openid orders:read', 'profile undeclared'])(
    'scope=%s is invalid_scope, checked before the password: nothing counted, no session',
    async (scope) => {
      const user = await app.freshUser('pw-scope');
      const reply = await token(
        `grant_type=password&username=${user}&password=pw-scope&scope=${encodeURIComponent(scope)}`,
      );
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ error: 'invalid_scope', error_description: expect.any(String) });
      expect(await app.sessionsOf(user)).toEqual([]);
      const wrong = await token(
        `grant_type=password&username=${user}&password=nope&scope=${encodeURIComponent(scope)}`,
      );
      expect(wrong.body.error).toBe('invalid_scope'); // not invalid_grant: the password was never checked
    },
  );

  test('a refresh naming a scope is invalid_scope and rotates nothing', async () => {
    const first = await token('grant_type=password&username=olga&password=pw-olga');
    const refused = await token(`grant_type=refresh_token&refresh_token=${first.body.refresh_token}&scope=orders:read`);
    expect(refused.body.error).toBe('invalid_scope');
    const sid = decodeJwt(first.body.refresh_token).sid as string;
    expect(await app.session(sid)).toMatchObject({ jti: decodeJwt(first.body.refresh_token).jti });
  });

  test('scope=openid (built in, allowed to the default client) is granted; no ID token on this grant', async () => {
    const reply = await token('grant_type=password&username=olga&password=pw-olga&scope=openid');
    expect(reply.status).toBe(200);
    expect(reply.body.scope).toBe('openid');
    expect(decodeJwt(reply.body.access_token).scope).toBe('openid');
    expect(reply.body).not.toHaveProperty('id_token');
  });
});

describe('POST /oauth2/token', () => {
  test('answers tokens with no-store, no cookie, and the refresh token in the body', async () => {
    const reply = await token('grant_type=password&username=olga&password=pw-olga');
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ]);
    expect(reply.body.scope).toBe(''); // no scope is granted, and the answer says so (RFC 6749 §5.1)
    expect(reply.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('pragma')).toBe('no-cache');
    expect(reply.setCookies).toEqual([]);
    // Without a client_id the session belongs to the default client.
    expect(decodeJwt(reply.body.access_token).client_id).toBe('web');
  });

  test('the client_id may come as HTTP Basic credentials, and binds the refresh token to that client', async () => {
    const basic = `Basic ${Buffer.from('mobile:').toString('base64')}`;
    const reply = await token('grant_type=password&username=olga&password=pw-olga', { authorization: basic });
    expect(decodeJwt(reply.body.access_token).client_id).toBe('mobile');
    const other = await token(`grant_type=refresh_token&refresh_token=${reply.body.refresh_token}&client_id=web`);
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('invalid_grant');
    const same = await token(`grant_type=refresh_token&refresh_token=${reply.body.refresh_token}&client_id=mobile`);
    expect(same.status).toBe(200);
    expect(decodeJwt(same.body.access_token).client_id).toBe('mobile');
  });

  test('shares rotation with the cookie routes: a replayed refresh token ends the session', async () => {
    const login = await token('grant_type=password&username=olga&password=pw-olga');
    const rt = login.body.refresh_token;
    const next = await token(`grant_type=refresh_token&refresh_token=${rt}`);
    expect(next.status).toBe(200);
    // Within the grace window the same successor comes back (a client retry).
    const retry = await token(`grant_type=refresh_token&refresh_token=${rt}`);
    expect(retry.body.refresh_token).toBe(next.body.refresh_token);
    const sid = String(decodeJwt(rt).sid);
    await app.updateSession(sid, { rotatedAt: Date.now() - 60_000 });
    const replay = await token(`grant_type=refresh_token&refresh_token=${rt}`);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(await app.session(sid)).toBeUndefined();
  });

  test.each([
    [
      'a JSON body',
      'application/json',
      '{"grant_type":"password","username":"olga","password":"pw-olga"}',
      'invalid_request',
    ],
    ['no grant_type', undefined, 'username=olga&password=pw-olga', 'invalid_request'],
    ['no password', undefined, 'grant_type=password&username=olga', 'invalid_request'],
    [
      'a repeated parameter',
      undefined,
      'grant_type=password&username=olga&username=x&password=pw-olga',
      'invalid_request',
    ],
    ['an unknown grant type', undefined, 'grant_type=implicit', 'unsupported_grant_type'],
    [
      'an over-long body',
      undefined,
      `grant_type=password&username=olga&password=${'x'.repeat(17_000)}`,
      'invalid_request',
    ],
    [
      'a zero-width username',
      undefined,
      'grant_type=password&username=olga%E2%80%8B&password=pw-olga',
      'invalid_request',
    ],
    ['a malformed refresh token', undefined, 'grant_type=refresh_token&refresh_token=not-a-jwt', 'invalid_grant'],
  ])('answers %s with 400 %s, no WWW-Authenticate, nothing written', async (_label, type, body, error) => {
    const before = app.proxy.ops.filter((op) => /Put|Update|Delete/.test(op)).length;
    const reply = await request(`${app.url}/oauth2/token`, 'POST', {
      headers: { 'content-type': type ?? 'application/x-www-form-urlencoded' },
      body,
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error, error_description: expect.any(String) });
    expect(reply.headers.get('www-authenticate')).toBeNull();
    expect(app.proxy.ops.filter((op) => /Put|Update|Delete/.test(op)).length).toBe(before);
  });

  test('an access token given as refresh_token is invalid_grant', async () => {
    const login = await token('grant_type=password&username=olga&password=pw-olga');
    const reply = await token(`grant_type=refresh_token&refresh_token=${login.body.access_token}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('invalid_grant');
  });

  test('30 parallel wrong password grants for one username: at most 5 checked, the rest slow_down', async () => {
    const username = await app.freshUser('right');
    const spy = jest.spyOn(bcrypt, 'compare');
    try {
      const body = `grant_type=password&username=${username}&password=wrong`;
      const started = Date.now();
      const replies = await Promise.all(Array.from({ length: 30 }, () => token(body)));
      const checked = replies.filter((r) => r.status === 400).length;
      expect(checked).toBeLessThanOrEqual(maxChecks(Date.now() - started));
      expect(spy.mock.calls.length).toBe(checked);
      const locked = replies.filter((r) => r.status === 429);
      expect(locked).toHaveLength(30 - checked);
      expect(locked[0].body.error).toBe('slow_down');
      expect(Number(locked[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      spy.mockRestore();
    }
  });

  test('a store outage is 503 temporarily_unavailable', async () => {
    app.proxy.cut();
    try {
      const reply = await token('grant_type=password&username=olga&password=pw-olga');
      expect(reply.status).toBe(503);
      expect(reply.body).toEqual({ error: 'temporarily_unavailable', error_description: 'Service unavailable' });
    } finally {
      app.proxy.restore();
    }
  });

  test('a foreign Origin is refused like on the cookie routes', async () => {
    const reply = await token('grant_type=password&username=olga&password=pw-olga', { origin: 'https://evil.example' });
    expect(reply.status).toBe(403);
    expect(reply.body.error).toBe('invalid_request');
  });
});

describe('POST /oauth2/revoke', () => {
  test('200 {} for any token; a genuine access token ends its session too', async () => {
    expect(await revoke('token=garbage')).toMatchObject({ status: 200, body: {} });
    const login = await token('grant_type=password&username=olga&password=pw-olga');
    const reply = await revoke(`token=${login.body.access_token}&token_type_hint=access_token`);
    expect(reply).toMatchObject({ status: 200, body: {} });
    expect((await me(login.body.access_token)).status).toBe(401);
    expect((await token(`grant_type=refresh_token&refresh_token=${login.body.refresh_token}`)).status).toBe(400);
  });

  test('no token is 400 invalid_request; a JSON body too', async () => {
    expect((await revoke('token_type_hint=refresh_token')).body.error).toBe('invalid_request');
    const json = await request(`${app.url}/oauth2/revoke`, 'POST', {
      headers: { 'content-type': 'application/json' },
      body: '{"token":"x"}',
    });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
  });
});

describe('client identity until clients are registered (docs/http-contract.md "OAuth 2.0 endpoints")', () => {
  test('HTTP Basic with a secret is 401 invalid_client with WWW-Authenticate: Basic, and starts nothing', async () => {
    const sessionsBefore = (await app.sessionsOf('olga')).length;
    for (const path of ['/oauth2/token', '/oauth2/revoke']) {
      const basic = `Basic ${Buffer.from('mobile:s3cret').toString('base64')}`;
      const body = path === '/oauth2/token' ? 'grant_type=password&username=olga&password=pw-olga' : 'token=x';
      const reply = await request(`${app.url}${path}`, 'POST', form(body, { authorization: basic }));
      expect([path, reply.status, reply.body.error]).toEqual([path, 401, 'invalid_client']);
      expect(reply.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    }
    expect((await app.sessionsOf('olga')).length).toBe(sessionsBefore);
  });

  test('a refresh token is bound to its client whether or not the refresh names one', async () => {
    const login = await token('grant_type=password&username=olga&password=pw-olga&client_id=mobile');
    const r = login.body.refresh_token as string;
    // Naming no client is naming the default one, as a login naming none is.
    const unnamed = await token(`grant_type=refresh_token&refresh_token=${r}`);
    expect([unnamed.status, unnamed.body.error]).toEqual([400, 'invalid_grant']);
    const cookie = await request(`${app.url}/auth/refresh`, 'POST', { cookie: r });
    expect(cookie.status).toBe(401);
    const named = await token(`grant_type=refresh_token&refresh_token=${r}&client_id=mobile`);
    expect(named.status).toBe(200);
    expect(decodeJwt(named.body.access_token).client_id).toBe('mobile');
  });

  test("revoking with another client than the token's leaves the session alone; its own client ends it", async () => {
    const login = await token('grant_type=password&username=olga&password=pw-olga&client_id=mobile');
    const r = login.body.refresh_token as string;
    const foreign = await revoke(`token=${r}&client_id=web`);
    expect(foreign).toMatchObject({ status: 200, body: {} });
    expect((await me(login.body.access_token)).status).toBe(200);
    const byAccess = await revoke(`token=${login.body.access_token}&client_id=other`);
    expect(byAccess).toMatchObject({ status: 200, body: {} });
    expect((await me(login.body.access_token)).status).toBe(200);
    expect(await revoke(`token=${r}&client_id=mobile`)).toMatchObject({ status: 200, body: {} });
    expect((await me(login.body.access_token)).status).toBe(401);
  });
});
