import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startApp, type TestApp } from '../support/app';
import { login, request } from '../support/http';

// A scheduled rotation on demand, on the dev server (docs/operations.md "Keys"): `npm run keys --
// rotate --dev-server <url>` runs the rotation function's four steps over the local key set, so a
// team can watch its resource server go through one: next becomes current, current previous, a
// fresh next; tokens signed before keep verifying until a second rotation unpublishes their key.

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const run = promisify(execFile);
const keys = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'bin/keys.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid as string;
const published = async () =>
  ((await request(`${app.url}/.well-known/jwks.json`, 'GET')).body.keys as { kid: string }[]).map((k) => k.kid);
const me = async (access: string) => (await request(`${app.url}/users/me`, 'GET', { bearer: access })).status;

test('a rotation shifts the keys: earlier tokens verify until the next one; new tokens use the old next', async () => {
  const before = await login(app.url, 'johndoe', 'secret');
  const [p0, c0, n0] = await published();
  expect(kidOf(before.access)).toBe(c0);
  const jwks = createRemoteJWKSet(new URL(`${app.url}/.well-known/jwks.json`), { cacheMaxAge: 0, cooldownDuration: 0 });
  const verify = (jwt: string) =>
    jwtVerify(jwt, jwks, { issuer: process.env.TOKEN_ISSUER, audience: 'serverless-auth-api' }).then(
      () => 'ok',
      (e: Error) => e.name,
    );

  const { stdout } = await keys('rotate', '--dev-server', app.url);
  expect(stdout).toMatch(new RegExp(`^rotated the access-token key set: previous ${c0}, current ${n0}, next \\S+`));
  const [p1, c1, n1] = await published();
  expect([p1, c1]).toEqual([c0, n0]);
  expect([p0, c0, n0]).not.toContain(n1);
  // The token signed before still works, here and for a resource server reading the published keys.
  expect(await me(before.access)).toBe(200);
  expect(await verify(before.access)).toBe('ok');
  // A new login signs with the key that was next, published a whole period before it signs.
  const after = await login(app.url, 'johndoe', 'secret');
  expect(kidOf(after.access)).toBe(n0);
  expect(await verify(after.access)).toBe('ok');

  // A second rotation unpublishes the first token's key: refused everywhere.
  await keys('rotate', '--dev-server', app.url);
  expect(await published()).not.toContain(c0);
  expect(await me(before.access)).toBe(401);
  expect(await verify(before.access)).toBe('JWKSNoMatchingKey');
  expect(await me(after.access)).toBe(200);
});

test('rotate is for a dev server: against a stack it says how Secrets Manager does it, exit 2', async () => {
  const failed = await keys('rotate').catch((e: { code: number; stderr: string }) => e);
  expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining('aws secretsmanager rotate-secret') });
});

test('the dev server refuses a rotation from a web page (an Origin header)', async () => {
  const reply = await request(`${app.url}/_dev/signing-keys/rotate`, 'POST', {
    headers: { origin: 'https://evil.example' },
  });
  expect([reply.status, reply.body]).toEqual([403, { detail: 'Origin not allowed' }]);
});
