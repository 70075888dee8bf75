import type { AuditEvent } from '../../functions/core/audit';
import { type LegacyLookup, LegacyMigration, type MigrationStore } from '../../functions/core/legacy-migration';
import type { UserRecord } from '../../functions/core/ports';

/** An in-memory store of users and look-alike claims, and the audit lines. */
function fixture(lookup: LegacyLookup) {
  const users = new Map<string, UserRecord>();
  const claims = new Map<string, string>();
  const audited: AuditEvent[] = [];
  const asked: string[] = [];
  const store: MigrationStore = {
    claimName: async (skeleton, username) => {
      if ((claims.get(skeleton) ?? username) !== username) return false;
      claims.set(skeleton, username);
      return true;
    },
    putUser: async (user) => {
      if (users.has(user.username)) return false;
      users.set(user.username, user);
      return true;
    },
  };
  const migration = new LegacyMigration(
    async (username, password) => {
      asked.push(username);
      return lookup(username, password);
    },
    store,
    async (password) => `hashed:${password}`,
    (event) => audited.push(event),
    () => 1000,
  );
  return { migration, users, claims, audited, asked };
}

test("the legacy system's yes: the user with its attributes and the password hashed here", async () => {
  const f = fixture(async () => ({ email: 'a@example.com', fullName: 'Ada', emailVerified: false }));
  const user = await f.migration.migrate('ada', 'her old password');
  expect(user).toMatchObject({
    username: 'ada',
    passwordHash: 'hashed:her old password',
    email: 'a@example.com',
    fullName: 'Ada',
    emailVerified: false,
    disabled: false,
    createdAt: 1000,
  });
  expect(f.users.get('ada')).toEqual(user);
  expect(f.audited).toEqual(['user_migrated']);
});

test.each([
  ['a no', async () => undefined],
  ['an error', async () => Promise.reject(new Error('legacy down'))],
])('%s: no user, nothing written', async (_case, lookup) => {
  const f = fixture(lookup as LegacyLookup);
  await expect(f.migration.migrate('bob', 'whatever')).resolves.toBeUndefined();
  expect(f.users.size + f.claims.size).toBe(0);
});

test('a password over 72 bytes is never sent to the legacy system (bcrypt could not keep it)', async () => {
  const f = fixture(async () => ({}));
  await expect(f.migration.migrate('carol', 'x'.repeat(73))).resolves.toBeUndefined();
  expect(f.asked).toEqual([]);
});

test("a name that looks like another user's is refused, as at every new name", async () => {
  const f = fixture(async () => ({}));
  await f.migration.migrate('paypal', 'one');
  await expect(f.migration.migrate('paypa1', 'two')).resolves.toBeUndefined();
  expect([...f.users.keys()]).toEqual(['paypal']);
  expect(f.audited).toEqual(['user_migrated', 'user_migration_refused']);
});

test('a concurrent login that migrated the user first: this one creates nothing more', async () => {
  const f = fixture(async () => ({}));
  await f.migration.migrate('dave', 'pw');
  await expect(f.migration.migrate('dave', 'pw')).resolves.toBeUndefined();
  expect(f.audited).toEqual(['user_migrated']);
});
