import { request as httpRequest } from 'node:http';
import { routes } from '../../functions/routes';
import { startApp, type TestApp } from '../support/app';
import { refreshCookieOf, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('dev server', () => {
  test('runs the seed transcript of docs/http-contract.md', async () => {
    const token = await request(`${app.url}/auth/token`, 'POST', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=johndoe&password=secret',
    });
    expect(token.status).toBe(200);
    const REFRESH_TOKEN = refreshCookieOf(token)!;
    expect((await request(`${app.url}/auth/refresh`, 'POST', { cookie: REFRESH_TOKEN })).status).toBe(200);
    expect((await request(`${app.url}/auth/logout`, 'POST', { cookie: REFRESH_TOKEN })).body).toEqual({
      message: 'Successfully logged out',
    });
    const after = await request(`${app.url}/auth/refresh`, 'POST', { cookie: REFRESH_TOKEN });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ detail: 'Invalid refresh token' });
  });

  test('answers 404 {"detail": "Not Found"} for unknown paths', async () => {
    for (const path of ['/nope', '/auth', '/auth/token/extra', '/users/me/', '/%zz']) {
      const reply = await request(`${app.url}${path}`, 'GET');
      expect([path, reply.status, reply.body]).toEqual([path, 404, { detail: 'Not Found' }]);
      expect(reply.headers.get('content-type')).toBe('application/json');
    }
  });

  test('answers 405 {"detail": "Method Not Allowed"} for a known path with another method', async () => {
    for (const [method, path] of [
      ['GET', '/auth/token'],
      ['PUT', '/auth/refresh'],
      ['POST', '/users/me'],
      ['DELETE', '/auth/logout'],
    ]) {
      const reply = await request(`${app.url}${path}`, method);
      expect([method, path, reply.status, reply.body]).toEqual([method, path, 405, { detail: 'Method Not Allowed' }]);
    }
  });

  test('answers GET / with an index of the routes it serves (sign-up is off by default)', async () => {
    const reply = await request(`${app.url}/`, 'GET');
    expect(reply.status).toBe(200);
    expect(reply.body.routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`)).toEqual(
      // Sign-up and dynamic registration are off by default.
      routes.filter((r) => r.needs !== 'signup' && r.needs !== 'dcr').map((r) => `${r.method} ${r.path}`),
    );
    expect(reply.body.routes.map((r: { path: string }) => r.path)).toContain('/auth/password/forgot');
  });

  test.each(['/auth/signup', '/auth/email/verify', '/auth/email/verify/resend'])(
    'sign-up off: POST %s is 404 like any unknown path, and writes nothing',
    async (path) => {
      const before = app.proxy.requests;
      const reply = await request(`${app.url}${path}`, 'POST', {
        headers: { 'content-type': 'application/json' },
        body: '{"username":"newcomer","password":"long-enough-pw","email":"x@example.com","token":"t"}',
      });
      expect([reply.status, reply.body]).toEqual([404, { detail: 'Not Found' }]);
      expect(app.proxy.requests).toBe(before);
    },
  );

  test('reads cookies sent in several Cookie headers and among other cookies', async () => {
    const login = await request(`${app.url}/auth/token`, 'POST', {
      headers: { 'content-type': 'application/json' },
      body: '{"username":"johndoe","password":"secret"}',
    });
    const refresh = refreshCookieOf(login)!;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${app.url}/auth/refresh`,
        { method: 'POST', headers: { cookie: ['theme=dark; lang=en', `refresh_token=${refresh}; other=1`] } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  });

  test('never answers with a stack trace, even for a broken body', async () => {
    const reply = await request(`${app.url}/auth/token`, 'POST', {
      headers: { 'content-type': 'application/json' },
      body: '{"username": "\\ud800',
    });
    expect(reply.status).toBe(422);
    expect(JSON.stringify(reply.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});

/** Runs one of the project's scripts as `npm run` does (through tsx), with only this environment. */
async function runScript(script: string, env: Record<string, string>) {
  const { execFile } = await import('node:child_process');
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const options = { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 };
    execFile(process.execPath, ['--import', 'tsx', script], options, (err, _out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('npm start', () => {
  test('names DYNAMODB_ENDPOINT when the store it points at is not running', async () => {
    const run = await runScript('bin/local.ts', {
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      PORT: '0',
      DYNAMODB_MAX_ATTEMPTS: '1',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/DYNAMODB_ENDPOINT=http:\/\/127\.0\.0\.1:9: is it running\? `unset DYNAMODB_ENDPOINT`/);
  });

  test.each([
    [{ PORT: 'abc' }, 'PORT must be a port number from 0 to 65535, got "abc"'],
    [{ STORE_PORT: '99999' }, 'STORE_PORT must be a port number from 0 to 65535, got "99999"'],
    [{ SIGNING_KEYS: 'garbage' }, 'SIGNING_KEYS is not a key set'],
  ])('refuses to start with %j, naming the variable, before anything listens', async (env, message) => {
    const run = await runScript('bin/local.ts', { ...env, DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/RangeError|\n\s+at /);
  });

  test.each(['dev/dynamodb-local.ts', 'dev/sam-env.ts'])('%s names a bad STORE_PORT in one line', async (script) => {
    const run = await runScript(script, { STORE_PORT: '8o02' });
    expect(run).toEqual({ code: 1, stderr: 'error: STORE_PORT must be a port number from 0 to 65535, got "8o02"\n' });
  });
});

describe('DNS rebinding (a foreign name pointed at 127.0.0.1)', () => {
  /** One request with the Host header a browser on that name would send (fetch cannot set Host). */
  const withHost = (host: string, path: string, method = 'GET') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${app.url}${path}`, { method, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });

  test('a request addressed to another name is 421, before any route: the outbox and events stay unread', async () => {
    const port = new URL(app.url).port;
    for (const host of [`rebind.attacker.example:${port}`, 'rebind.attacker.example', `127.0.0.1.nip.io:${port}`]) {
      for (const path of ['/_dev/outbox', '/_dev/events', '/auth/token', '/', '/docs']) {
        const reply = await withHost(host, path);
        expect([host, path, reply.status, reply.body]).toEqual([host, path, 421, '{"detail":"Misdirected Request"}']);
      }
    }
  });

  test('loopback names are served', async () => {
    const port = new URL(app.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
      expect([host, (await withHost(host, '/.well-known/jwks.json')).status]).toEqual([host, 200]);
    }
  });
});
