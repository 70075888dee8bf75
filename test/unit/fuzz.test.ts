import fc from 'fast-check';
import { HttpError } from '../../functions/http/errors';
import { TokenError, TokenService, newId } from '../../functions/core/tokens';
import { readCookie } from '../../functions/http/cookies';
import { bearerToken, parseLoginForm } from '../../functions/http/request';
import type { HttpEvent } from '../../functions/http/types';
import { matchRoute } from '../../functions/routes';
import { keyOf } from '../../functions/core/keys';
import { testKeySet, testTokenKeys } from '../support/keys';

/** Property-based tests of the parsers and of token verification: any input is an answer or a 4xx, never a crash. */
let tokens: TokenService;
let kid: string;
beforeAll(async () => {
  kid = keyOf(await testKeySet(), 'current').kid;
  tokens = new TokenService(await testTokenKeys('fuzz-key-fuzz-key-fuzz-key-fuzz-key!'), {
    issuer: 'serverless-auth-api',
    audience: 'serverless-auth-api',
    accessTokenTtl: 900,
    refreshTokenTtl: 604800,
    defaultClientId: 'web',
  });
});
const b64 = (s: string) => Buffer.from(s).toString('base64url');

const contentType = fc.oneof(
  fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'multipart/form-data',
    '',
  ),
  fc.string({ maxLength: 40 }),
);
const formBody = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc
    .dictionary(
      fc.constantFrom('username', 'password', 'grant_type', 'scope', 'x'),
      fc.string({ unit: 'grapheme', maxLength: 150 }),
    )
    .map((d) => new URLSearchParams(d).toString()),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      username: fc.oneof(fc.string({ maxLength: 200 }), fc.integer(), fc.constant(null)),
      password: fc.oneof(fc.string({ maxLength: 100 }), fc.boolean()),
    })
    .map((v) => JSON.stringify(v)),
  fc.string({ minLength: 16 * 1024 - 5, maxLength: 16 * 1024 + 5 }),
);
const loginEvent = fc
  .record({
    type: fc.option(contentType, { nil: undefined }),
    body: fc.option(formBody, { nil: undefined }),
    base64: fc.boolean(),
  })
  .map(
    ({ type, body, base64 }) =>
      ({
        headers: type === undefined ? {} : { 'content-type': type },
        body: body === undefined ? undefined : base64 ? Buffer.from(body).toString('base64') : body,
        isBase64Encoded: base64,
      }) as unknown as HttpEvent,
  );

describe('fuzz: request parsing', () => {
  test('the login parser answers fields or a 413/415/422, for any content type and body', () => {
    fc.assert(
      fc.property(loginEvent, (event) => {
        try {
          const form = parseLoginForm(event);
          expect(typeof form.username).toBe('string');
          expect(typeof form.password).toBe('string');
          expect([...form.username].length).toBeLessThanOrEqual(128);
          expect(form.username).not.toMatch(/\p{Cc}/u);
        } catch (err) {
          expect(err).toBeInstanceOf(HttpError);
          expect([413, 415, 422]).toContain((err as HttpError).status);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('cookie and Authorization parsing never throw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 200 }), { maxLength: 5 }),
        fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
        (cookies, authorization) => {
          const event = {
            cookies,
            headers: authorization === undefined ? {} : { authorization },
          } as unknown as HttpEvent;
          const cookie = readCookie(event, 'refresh_token');
          expect(cookie === undefined || (typeof cookie === 'string' && cookie.length > 0)).toBe(true);
          const bearer = bearerToken(event);
          expect(bearer === undefined || !/\s/.test(bearer)).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('route matching never throws, whatever the path', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'x'),
        fc.oneof(fc.string({ maxLength: 100 }), fc.webPath()),
        (method, path) => {
          const { route, pathKnown } = matchRoute(method, path);
          if (route) expect(pathKnown).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('fuzz: token verification', () => {
  const header = fc.oneof(
    fc.record({
      alg: fc.constantFrom('HS256', 'HS384', 'HS512', 'none', 'None', 'RS256', 'ES256', ''),
      typ: fc.option(fc.constantFrom('JWT', 'jwt', 'at+jwt', 'x'), { nil: undefined }),
      // The published kid, so forged tokens reach the signature check with a real key.
      kid: fc.option(fc.constantFrom('published', 'other'), { nil: undefined }),
    }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const payload = fc.oneof(
    fc.record({
      sub: fc.oneof(fc.string(), fc.integer()),
      type: fc.constantFrom('access', 'refresh', 'id', ''),
      sid: fc.oneof(fc.constant(newId()), fc.string()),
      jti: fc.oneof(fc.constant(newId()), fc.string()),
      iat: fc.integer(),
      exp: fc.oneof(fc.integer(), fc.constant(Math.floor(Date.now() / 1000) + 3600)),
      iss: fc.constantFrom('serverless-auth-api', 'other'),
      aud: fc.oneof(fc.constantFrom('serverless-auth-api', 'other'), fc.array(fc.string())),
    }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const forged = fc
    .tuple(
      header,
      payload,
      fc.oneof(
        fc.string(),
        fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('base64url')),
      ),
    )
    .map(([h, p, s]) => {
      const head = h && typeof h === 'object' && 'kid' in h && h.kid === 'published' ? { ...h, kid } : h;
      return `${b64(JSON.stringify(head))}.${b64(JSON.stringify(p))}.${s}`;
    });
  const anyText = fc.oneof(
    fc.string({ maxLength: 500 }),
    forged,
    fc.string({ unit: fc.constantFrom('.', 'e', 'y', 'J', '=', '-', '_') }),
  );

  test('any string that is not a token we signed is refused with a TokenError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyText,
        fc.constantFrom('access', 'refresh') as fc.Arbitrary<'access' | 'refresh'>,
        fc.boolean(),
        async (token, type, allowExpired) => {
          const outcome = await tokens.verify(token, type, { allowExpired }).then(
            () => 'accepted',
            (err: unknown) => (err instanceof TokenError ? 'refused' : `crashed: ${String(err)}`),
          );
          expect(outcome).toBe('refused');
        },
      ),
      { numRuns: 2500 },
    );
  });

  test.each(['access', 'refresh'] as const)(
    'a %s token we signed, with any single character changed, is refused',
    async (type) => {
      const genuine = await tokens.sign({ type, sub: 'johndoe', sid: newId(), jti: newId(), issuedAt: Date.now() });
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: genuine.length - 1 }),
          fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'),
          async (at, ch) => {
            fc.pre(genuine[at] !== ch);
            const changed = genuine.slice(0, at) + ch + genuine.slice(at + 1);
            const outcome = await tokens.verify(changed, type).then(
              (claims) => (claims.sub === 'johndoe' ? 'accepted' : 'accepted other'),
              (err: unknown) => (err instanceof TokenError ? 'refused' : 'crashed'),
            );
            // The last character of a base64url signature carries 2 spare bits: changing only those still decodes to
            // the
            // same bytes.
            if (outcome === 'accepted') expect(at).toBe(genuine.length - 1);
            else expect(outcome).toBe('refused');
          },
        ),
        { numRuns: 1000 },
      );
    },
  );
});
