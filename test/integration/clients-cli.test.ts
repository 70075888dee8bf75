import { execFile } from 'node:child_process';
import { decodeJwt } from 'jose';
import { startApp, type TestApp } from '../support/app';
import { request } from '../support/http';

// `npm run clients` (dev/clients-cli.ts) against the test table, then the endpoints with what it made.
jest.setTimeout(30_000);

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ SCOPES: JSON.stringify({ 'reports:read': 'Read reports' }) });
});
afterAll(() => app.close());

function clients(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/clients.ts', ...args],
      {
        env: {
          ...process.env,
          TABLE_NAME: app.tableName,
          DYNAMODB_ENDPOINT: process.env.TEST_STORE_ENDPOINT,
          SCOPES: JSON.stringify({ 'reports:read': 'Read reports' }),
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

const secretIn = (stdout: string) => stdout.match(/: ([A-Za-z0-9_-]{43})$/m)?.[1];
const clientCredentials = (id: string, secret: string) =>
  request(`${app.url}/oauth2/token`, 'POST', {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });

test('add a confidential client: its secret printed once, stored only as a hash; it gets tokens', async () => {
  const added = await clients([
    'add',
    'reports',
    '--type',
    'confidential',
    '--name',
    'Reports job',
    '--grant',
    'client_credentials',
    '--scope',
    'reports:read',
    '--default-scope',
    'reports:read',
  ]);
  expect(added.code).toBe(0);
  const secret = secretIn(added.stdout)!;
  expect(secret).toBeDefined();
  const shown = await clients(['show', 'reports']);
  expect(shown.stdout).not.toContain(secret);
  expect(JSON.parse(shown.stdout)).toMatchObject({ id: 'reports', type: 'confidential', secrets: 1, source: 'cli' });
  const stored = JSON.stringify(await app.clients.getClient('reports'));
  expect(stored).not.toContain(secret);
  const reply = await clientCredentials('reports', secret);
  expect(reply.status).toBe(200);
  expect(decodeJwt(reply.body.access_token)).toMatchObject({ sub: 'reports', scope: 'reports:read' });
  expect((await clients(['list'])).stdout).toMatch(/^reports\tconfidential\tcli\tReports job\tclient_credentials$/m);
});

test('rotate-secret with a grace period: both work; without one, the old stops at once', async () => {
  const added = await clients([
    'add',
    'rotor',
    '--type',
    'confidential',
    '--name',
    'R',
    '--grant',
    'client_credentials',
  ]);
  const first = secretIn(added.stdout)!;
  const second = secretIn((await clients(['rotate-secret', 'rotor', '--grace-hours', '2'])).stdout)!;
  expect((await clientCredentials('rotor', first)).status).toBe(200);
  expect((await clientCredentials('rotor', second)).status).toBe(200);
  const third = secretIn((await clients(['rotate-secret', 'rotor'])).stdout)!;
  // The function caches the client for up to 60 s, so the refusal is read from the registry itself.
  const stored = await app.clients.getClient('rotor');
  expect(stored?.secretHashes).toHaveLength(1);
  expect(third).not.toBe(second);
});

test.each([
  [
    [
      'add',
      'x',
      '--type',
      'public',
      '--name',
      'X',
      '--redirect-uri',
      'http://evil.example/cb',
      '--grant',
      'authorization_code',
    ],
    /loopback/,
  ],
  [['add', 'x', '--type', 'public', '--name', 'X', '--grant', 'client_credentials'], /confidential clients only/],
  [['add', 'x', '--type', 'public', '--name', 'X', '--grant', 'password'], /first-party clients only/],
  [['add', 'x', '--type', 'public', '--name', 'X', '--scope', 'orders:read'], /not declared/],
  [['add', 'x', '--type', 'public', '--name', 'X', '--grant', 'authorization_code'], /needs a redirect URI/],
  [['add', 'bad id', '--type', 'public', '--name', 'X'], /client_id must be/],
  [['add', 'johndoe', '--type', 'public', '--name', 'X'], /is a username/],
  [['remove', 'nobody'], /no client/],
])('refuses %j, writing nothing', async (args, message) => {
  const out = await clients(args as string[]);
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(message);
  expect(await app.clients.getClient('x')).toBeUndefined();
});

test('refuses to change a client the stack declared', async () => {
  const demo = (await app.clients.getClient('demo-app'))!;
  await app.clients.putClient({ ...demo, id: 'from-stack', source: 'stack' }, { overwrite: true });
  for (const args of [
    ['remove', 'from-stack'],
    ['rotate-secret', 'from-stack'],
  ]) {
    const out = await clients(args);
    expect([out.code, out.stderr]).toEqual([2, expect.stringMatching(/declared in the stack/)]);
  }
  expect(await app.clients.getClient('from-stack')).toBeDefined();
});

test('a user may not take the id of a client with client_credentials (their tokens would share sub)', async () => {
  const signup = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/users.ts', 'add', 'demo-service'],
      { env: { ...process.env, TABLE_NAME: app.tableName, DYNAMODB_ENDPOINT: process.env.TEST_STORE_ENDPOINT } },
      (err, _stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
    );
    child.stdin!.end('a fine long password\n');
  });
  expect(signup.code).toBe(2);
  expect(signup.stderr).toMatch(/client with client_credentials/);
});
