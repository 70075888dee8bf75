import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { userKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { emfSince, metricCounts } from '../support/emf';
import { form, request } from '../support/http';
import { type MigrationEvent, legacyService, vouch } from '../support/legacy-service';

// Lazy migration (docs/importing-users.md "Lazy migration") on the dev server: a login for a name
// the table does not have asks a fake legacy system over HTTP (LEGACY_MIGRATION_URL), with Cognito's
// user-migration event. Its yes creates the user; its no, its slowness (past the 300 ms timeout) and
// its failure are the 401 of an unknown user, and write nothing. The password is never logged.

const PASSWORD = 'the legacy passphrase';
/** What the fake legacy system does per username, and the events it received. */
const behaviour: Record<string, 'yes' | 'no' | 'slow' | 'fail'> = {
  'legacy-yes': 'yes',
  'legacy-no': 'no',
  'legacy-slow': 'slow',
  'legacy-fail': 'fail',
};
const received: MigrationEvent[] = [];
let slowAnswered = false;

let legacy: Awaited<ReturnType<typeof legacyService>>;
let app: TestApp;
beforeAll(async () => {
  legacy = await legacyService((event, res) => {
    received.push(event);
    const mode = behaviour[event.userName] ?? 'no';
    const right = event.request.password === PASSWORD;
    if (mode === 'fail') return res.writeHead(500).end('{"errorMessage":"legacy database down"}');
    const answer = () => {
      if (mode === 'no' || !right) return res.writeHead(400).end('{"errorMessage":"Bad password"}');
      vouch(res, event, { email: 'legacy@example.com', name: 'Legacy User', email_verified: 'true' });
    };
    if (mode === 'slow')
      setTimeout(() => {
        slowAnswered = true;
        answer();
      }, 5000);
    else answer();
  });
  app = await startApp({ LEGACY_MIGRATION_URL: legacy.url, LEGACY_MIGRATION_TIMEOUT_MS: '300' });
});
afterAll(async () => {
  await app.close();
  legacy.close();
});

const login = (username: string, password = PASSWORD) =>
  request(`${app.url}/auth/token`, 'POST', form({ username, password }));
const stored = async (username: string) =>
  (await app.db.send(new GetCommand({ TableName: app.tableName, Key: userKey(username) }))).Item;

test("the legacy system's yes creates the user with its attributes; later logins never ask again", async () => {
  const reply = await login('Legacy-Yes');
  expect(reply.status).toBe(200);
  expect(received.at(-1)).toMatchObject({ userName: 'legacy-yes', triggerSource: 'UserMigration_Authentication' });
  const user = (await stored('legacy-yes'))!;
  expect(user).toMatchObject({ email: 'legacy@example.com', fullName: 'Legacy User', disabled: false });
  expect(String(user.passwordHash)).toMatch(/^\$2b\$04\$/);
  const asked = received.length;
  expect((await login('legacy-yes')).status).toBe(200);
  expect((await login('legacy-yes', 'a wrong password')).status).toBe(401);
  expect(received.length).toBe(asked);
  const me = await request(`${app.url}/users/me`, 'GET', { bearer: reply.body.access_token });
  expect(me.body).toMatchObject({ username: 'legacy-yes', email: 'legacy@example.com', full_name: 'Legacy User' });
});

test.each([
  ['its no', 'legacy-no'],
  ['a wrong password', 'legacy-yes-but-wrong'],
  ['no answer within the timeout', 'legacy-slow'],
  ['its failure', 'legacy-fail'],
])('%s: the 401 of an unknown user, nothing written', async (_case, username) => {
  behaviour['legacy-yes-but-wrong'] = 'yes';
  const reply = await login(username, username === 'legacy-yes-but-wrong' ? 'not it' : PASSWORD);
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ detail: 'Incorrect username or password' });
  expect(await stored(username)).toBeUndefined();
  // Bounded: the slow legacy system answers 5 s after it is asked; the login answered before that.
  if (username === 'legacy-slow') expect(slowAnswered).toBe(false);
});

test('the password the legacy system was asked with is never in a log line', () => {
  const lines = (globalThis as { __logLines?: string[] }).__logLines!;
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  expect(lines.some((l) => l.includes('"user_migrated"') && l.includes('legacy-yes'))).toBe(true);
});

test('each user it moves is counted as the metric the dashboard graphs (user_migrated, one per yes)', () => {
  expect(metricCounts(emfSince(0)).user_migrated).toBe(1);
});
