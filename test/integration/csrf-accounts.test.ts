import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { outbox } from '../../dev/outbox';
import { counterKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { request } from '../support/http';
import { mailSettled } from '../support/mail';

// Every unauthenticated POST a browser could send from another site (sign-up, forgot, resend, reset,
// verify) follows the cookie routes' Origin / Sec-Fetch-Site rule (docs/http-contract.md "CSRF and
// CORS"): otherwise any page could spend its visitors' per-IP allowances and mail links to addresses
// it chooses.

const FRONT_END = 'http://localhost:3000';
let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOW_SIGNUP: 'true', ALLOWED_ORIGINS: FRONT_END });
  await app.addUser('mia', 'pw-mia', { email: 'mia@example.com', emailVerified: false });
});
afterAll(() => app.close());

const ROUTES: [string, Record<string, string>][] = [
  ['/auth/signup', { username: 'csrf-made', password: 'a long enough passphrase', email: 'victim@example.com' }],
  ['/auth/password/forgot', { username: 'mia' }],
  ['/auth/email/verify/resend', { username: 'mia' }],
  ['/auth/password/reset', { token: 'A'.repeat(43), new_password: 'a long enough passphrase' }],
  ['/auth/email/verify', { token: 'A'.repeat(43) }],
];
/** What a cross-site HTML form sends: a form body, and the browser's own headers. */
const formPost = (path: string, fields: Record<string, string>, headers: Record<string, string>) =>
  request(`${app.url}${path}`, 'POST', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
/** Everything a refused request could have written: counts, users, one-time tokens. */
const tableItems = async () =>
  ((await app.db.send(new ScanCommand({ TableName: app.tableName }))).Items ?? []).map((i) => `${i.pk} ${i.sk}`).sort();

test.each(ROUTES)('POST %s from a foreign page is 403 and does nothing', async (path, fields) => {
  const before = await tableItems();
  const foreign: Record<string, string>[] = [
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { 'sec-fetch-site': 'cross-site' },
    { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  ];
  for (const headers of foreign) {
    const reply = await formPost(path, fields, headers);
    expect([path, headers, reply.status, reply.body]).toEqual([path, headers, 403, { detail: 'Origin not allowed' }]);
  }
  await mailSettled();
  expect(await tableItems()).toEqual(before);
  expect(outbox.messages.filter((m) => m.to === 'victim@example.com' || m.to === 'mia@example.com')).toEqual([]);
  const ipCount = await app.db.send(
    new GetCommand({
      TableName: app.tableName,
      Key: counterKey({ kind: 'ip', ip: '127.0.0.1', scope: 'signup' }),
    }),
  );
  expect(ipCount.Item).toBeUndefined();
});

test('the same requests from a listed front end, the API itself, or no browser at all are served', async () => {
  const forgot = ROUTES[1];
  const served: Record<string, string>[] = [
    { origin: FRONT_END, 'sec-fetch-site': 'same-site' },
    { origin: app.url },
    {},
  ];
  for (const headers of served) {
    const reply = await formPost(forgot[0], forgot[1], headers);
    expect([headers, reply.status]).toEqual([headers, 202]);
  }
});
