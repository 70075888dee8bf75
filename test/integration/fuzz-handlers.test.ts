import fc from 'fast-check';
import type { HttpEvent } from '../../functions/http/types';
import { toContext } from '../../dev/event';
import { loadHandlers, type LambdaHandler } from '../../dev/server';
import { fallbackHandler, routes } from '../../functions/routes';
import { startApp, type TestApp } from '../support/app';
import { forge, login, unsigned, type Login } from '../support/http';

/**
 * Every handler, fed generated requests (any body, content type, cookie, Authorization, Origin,
 * path parameter), against the real store: the answer is always a 2xx or a 4xx in the contract's
 * shape, never a 5xx or a crash.
 */
jest.setTimeout(120_000);

let app: TestApp;
let handlers: Record<string, LambdaHandler>;
let genuine: Login;
let crafted: string[];
beforeAll(async () => {
  app = await startApp();
  handlers = await loadHandlers();
  genuine = await login(app.url);
  const claims = { sub: 'johndoe', sid: genuine.sid, jti: 'A'.repeat(22) };
  const past = Math.floor(Date.now() / 1000) - 60;
  crafted = [
    await forge({ ...claims, type: 'access' }),
    await forge({ ...claims, type: 'refresh' }),
    await forge({ ...claims, type: 'refresh' }, { iat: past - 600, exp: past }),
    await forge({ ...claims, type: 'access' }, { key: 'another-key-another-key-another-key!!' }),
    await forge({ ...claims, type: 'access' }, { alg: 'HS512' }),
    unsigned({ ...claims, type: 'access' }),
  ];
});
afterAll(() => app.close());

/** Real tokens, tokens crafted to be almost right (expired, other key, HS512, alg none), and noise. */
const jwtish = () =>
  fc.oneof(
    fc.constant(genuine.access),
    fc.constant(genuine.refresh),
    fc.constantFrom(...crafted),
    fc.string({ maxLength: 400 }),
  );

const header = fc.dictionary(
  fc.constantFrom(
    'content-type',
    'authorization',
    'origin',
    'sec-fetch-site',
    'host',
    'x-forwarded-proto',
    'user-agent',
    'content-length',
  ),
  fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'Bearer ',
      'cross-site',
      'https://evil.example',
      'null',
      'http',
    ),
  ),
  { maxKeys: 6 },
);

const eventFor = (method: string, path: string, routeKey: string) =>
  fc
    .record({
      headers: header,
      bearer: fc.option(jwtish(), { nil: undefined }),
      cookies: fc.option(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 200 }),
            jwtish().map((t) => `refresh_token=${t}`),
          ),
          { maxLength: 3 },
        ),
        { nil: undefined },
      ),
      body: fc.option(
        fc.oneof(
          fc.string({ maxLength: 500 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          fc
            .record({
              username: fc.oneof(fc.constantFrom('johndoe', 'alice', 'nobody'), fc.string({ maxLength: 140 })),
              password: fc.oneof(fc.constantFrom('secret', 'wrong'), fc.string({ maxLength: 90 })),
            })
            .map((f) => new URLSearchParams(f).toString()),
        ),
        { nil: undefined },
      ),
      base64: fc.boolean(),
      // The authorization request's parameters: some right, some not, some twice.
      query: fc.array(
        fc.tuple(
          fc.constantFrom(
            'response_type',
            'client_id',
            'redirect_uri',
            'code_challenge',
            'code_challenge_method',
            'state',
            'scope',
            'prompt',
            'max_age',
            'nonce',
            'request',
            'post_logout_redirect_uri',
            'id_token_hint',
          ),
          fc.oneof(
            fc.constantFrom(
              'code',
              'demo-app',
              'http://localhost:3000/callback',
              'S256',
              'none',
              'openid',
              'x'.repeat(43),
            ),
            fc.string({ maxLength: 300 }),
          ),
        ),
        { maxLength: 9 },
      ),
      id: fc.oneof(fc.string({ maxLength: 60 }), fc.constant(genuine.sid), fc.constant('A'.repeat(22))),
    })
    .map(({ headers, bearer, cookies, body, base64, query, id }) => {
      const h: Record<string, string> = { ...headers };
      if (bearer !== undefined) h.authorization = `Bearer ${bearer}`;
      const rawPath = path.replace('{id}', encodeURIComponent(id));
      return {
        version: '2.0',
        routeKey,
        rawPath,
        rawQueryString: new URLSearchParams(query).toString(),
        headers: h,
        ...(cookies ? { cookies } : {}),
        ...(path.includes('{id}') ? { pathParameters: { id } } : {}),
        requestContext: {
          accountId: 'fuzz',
          apiId: 'fuzz',
          domainName: 'fuzz.local',
          domainPrefix: 'fuzz',
          http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.9', userAgent: 'fuzz' },
          requestId: 'fuzz',
          routeKey,
          stage: '$default',
          time: '',
          timeEpoch: 0,
        },
        ...(body === undefined ? {} : { body: base64 ? Buffer.from(body).toString('base64') : body }),
        isBase64Encoded: base64 && body !== undefined,
      } as HttpEvent;
    });

const RUNS: Record<string, number> = {
  token: 800,
  refresh: 800,
  logout: 800,
  'oauth2-token': 500,
  'oauth2-revoke': 500,
  'password-change': 300,
  'logout-all': 500,
  sessions: 500,
  'session-delete': 500,
  me: 800,
  [fallbackHandler]: 300,
};

/** The hosted pages and the logout: HTML for people (docs/authorization-server.md), JSON nowhere. */
const PAGES = new Set([
  'oauth2-authorize',
  'oauth2-login-password',
  'oauth2-login-mfa',
  'oauth2-login-passkey',
  'oauth2-consent',
  'oauth2-logout',
]);

describe('fuzz: handlers', () => {
  test.each([...routes.map((r) => [r.name, r.method, r.path] as const), [fallbackHandler, 'GET', '/fuzz'] as const])(
    '%s answers 2xx, 3xx or 4xx, JSON or (a page) HTML, for any request',
    async (name, method, path) => {
      await fc.assert(
        fc.asyncProperty(
          eventFor(method, path, name === fallbackHandler ? '$default' : `${method} ${path}`),
          async (event) => {
            const result = await handlers[name](event, toContext(name));
            expect(result.statusCode).toBeGreaterThanOrEqual(200);
            expect(result.statusCode).toBeLessThan(500);
            if (PAGES.has(name)) {
              // A page, or a 303 (a well-formed request's error goes back to its registered redirect URI).
              if (result.statusCode === 303)
                expect(result.headers.Location).toMatch(/^http:\/\/(localhost:3000|127\.0\.0\.1)/);
              else expect(result.headers['Content-Type']).toBe('text/html; charset=utf-8');
            } else if (result.statusCode !== 204) {
              expect(result.headers['Content-Type']).toBe('application/json');
              const body = JSON.parse(result.body!);
              // Two wire formats of one set of rules: FastAPI's {"detail"}, and RFC 6749's {"error"} on /oauth2/*.
              if (result.statusCode >= 400)
                expect(body).toHaveProperty(path.startsWith('/oauth2/') ? 'error' : 'detail');
            }
          },
        ),
        { numRuns: RUNS[name] },
      );
    },
  );
});
