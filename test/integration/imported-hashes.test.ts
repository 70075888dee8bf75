import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { userKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';
import { form, request } from '../support/http';

/**
 * Users moved in from another system keep their passwords (docs/importing-users.md): a user whose
 * stored hash is another system's (made by that system's own library: test/fixtures/imported-hashes.json)
 * logs in through each login route, and the right password replaces the hash with bcrypt at
 * BCRYPT_COST (4 here); a wrong one changes nothing.
 */
const fixtures: { scheme: string; password: string; hash: string }[] = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'imported-hashes.json'), 'utf8'),
);

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

async function importedUser(hash: string): Promise<string> {
  const username = await app.freshUser('unused');
  await app.updateUser(username, { passwordHash: hash });
  return username;
}
/** The hash as the table holds it (read directly: the store's user reads leave it out where not needed). */
const storedHash = async (username: string) =>
  (await app.db.send(new GetCommand({ TableName: app.tableName, Key: userKey(username) }))).Item?.passwordHash;

/** Each login route, and its answer to a wrong password (401; the OAuth endpoint's `invalid_grant`, 400). */
const routes = {
  '/auth/token': {
    refused: 401,
    login: (username: string, password: string) =>
      request(`${app.url}/auth/token`, 'POST', form({ username, password })),
  },
  '/oauth2/token (password grant)': {
    refused: 400,
    login: (username: string, password: string) =>
      request(`${app.url}/oauth2/token`, 'POST', form({ grant_type: 'password', username, password })),
  },
};

describe.each(Object.entries(routes))('%s', (_route, { refused, login }) => {
  test.each(fixtures)('a $scheme hash: the right password logs in and becomes bcrypt', async ({ password, hash }) => {
    const username = await importedUser(hash);
    expect((await login(username, 'not the password')).status).toBe(refused);
    expect(await storedHash(username)).toBe(hash);
    expect((await login(username, password)).status).toBe(200);
    const now = await storedHash(username);
    // bcrypt hashes already at the configured cost stay as they are.
    if (hash.startsWith('$2') && hash.slice(4, 6) === '04') expect(now).toBe(hash);
    else expect(now).toMatch(/^\$2b\$04\$/);
    expect((await login(username, password)).status).toBe(200);
  });
});

test('a hash no scheme reads is a plain 401 for any password, and is left alone', async () => {
  const username = await importedUser('md5$salt$5f4dcc3b5aa765d61d8327deb882cf99');
  expect((await routes['/auth/token'].login(username, 'password')).status).toBe(401);
  expect(await storedHash(username)).toBe('md5$salt$5f4dcc3b5aa765d61d8327deb882cf99');
});
