import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startApp, type TestApp } from '../support/app';
import { login, request } from '../support/http';

// The emergency lever for a leaked signing key, end to end on the dev server (docs/operations.md):
// `npm run keys -- replace --yes --dev-server <url>` replaces the whole key set, and a token signed
// before is refused at once by /users/me, is no longer published, and is refused by a resource
// server's verifier once its cached key set refreshes. Refresh tokens are not affected.

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const run = promisify(execFile);
const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid as string;
const publishedKids = async () =>
  ((await request(`${app.url}/.well-known/jwks.json`, 'GET')).body.keys as { kid: string }[]).map((k) => k.kid);

test('a token signed before the replacement is refused everywhere; the refresh token still works', async () => {
  const before = await login(app.url, 'johndoe', 'secret');
  const oldKids = await publishedKids();
  expect(oldKids).toContain(kidOf(before.access));
  // A resource server verifying with the published keys, caching them briefly.
  const jwks = createRemoteJWKSet(new URL(`${app.url}/.well-known/jwks.json`), {
    cacheMaxAge: 300,
    cooldownDuration: 0,
  });
  const verify = (jwt: string) =>
    jwtVerify(jwt, jwks, { issuer: process.env.TOKEN_ISSUER, audience: 'serverless-auth-api' }).then(
      () => 'ok',
      (e: Error) => e.name,
    );
  expect(await verify(before.access)).toBe('ok');
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: before.access })).status).toBe(200);

  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'bin/keys.ts', 'replace', '--yes', '--dev-server', app.url],
    { encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  expect(stdout).toMatch(/^replaced the access-token key set: new kids /);

  const me = await request(`${app.url}/users/me`, 'GET', { bearer: before.access });
  expect([me.status, me.body]).toEqual([401, { detail: 'Could not validate credentials' }]);
  const newKids = await publishedKids();
  expect(newKids.filter((k) => oldKids.includes(k))).toEqual([]);
  // Its cached key set still holds the old key; once the cache refreshes, the old token fails.
  await new Promise((r) => setTimeout(r, 400));
  expect(await verify(before.access)).toBe('JWKSNoMatchingKey');

  // The client's refresh token was signed with the other secret: it refreshes, and the new access
  // token is signed with the new current key, which everyone verifies.
  const refreshed = await request(`${app.url}/auth/refresh`, 'POST', { cookie: before.refresh });
  expect(refreshed.status).toBe(200);
  const access = refreshed.body.access_token as string;
  expect(newKids).toContain(kidOf(access));
  expect((await request(`${app.url}/users/me`, 'GET', { bearer: access })).status).toBe(200);
  expect(await verify(access)).toBe('ok');
});

test('the dev server refuses the lever from a web page (an Origin header)', async () => {
  const reply = await request(`${app.url}/_dev/signing-keys/replace`, 'POST', {
    headers: { origin: 'https://evil.example' },
  });
  expect([reply.status, reply.body]).toEqual([403, { detail: 'Origin not allowed' }]);
});
