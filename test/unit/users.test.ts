import { DomainError } from '../../functions/core/errors';
import { passwordProblem } from '../../functions/core/passwords';
import { UserAdmin, checkUsername } from '../../functions/core/users';
import { MemoryStore } from '../support/memory-store';

function setup() {
  const store = new MemoryStore();
  let clock = 1_800_000_000_000;
  const hashed: string[] = [];
  const admin = new UserAdmin(
    store,
    {
      problem: passwordProblem,
      hash: async (p) => {
        hashed.push(p);
        return `hash:${p}`;
      },
    },
    () => clock,
  );
  const session = (sid: string, username: string, createdAt = clock - 1) =>
    store.sessions.set(sid, {
      sid,
      username,
      jti: 'j',
      createdAt,
      lastUsedAt: createdAt,
      expiresAt: clock + 1e9,
      absoluteExpiresAt: clock + 2e9,
    });
  return { store, admin, hashed, session, advance: (ms: number) => (clock += ms) };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof DomainError ? `${e.code}: ${e.message}` : String(e)),
  );

describe('UserAdmin', () => {
  test('adds a user with a hashed password, and never overwrites one without being asked', async () => {
    const { store, admin } = setup();
    expect(await admin.add({ username: 'ann', password: 'pw', email: 'a@example.com' }, { overwrite: false })).toEqual({
      sessionsEnded: 0,
    });
    expect(store.users.get('ann')).toMatchObject({ passwordHash: 'hash:pw', email: 'a@example.com', disabled: false });
    expect(await code(admin.add({ username: 'ann', password: 'other' }, { overwrite: false }))).toBe(
      'user_exists: user "ann" exists; use --force to overwrite it',
    );
    expect(store.users.get('ann')!.passwordHash).toBe('hash:pw');
  });

  test('overwriting ends every session the old user had (sessionsValidAfter) and tidies their items', async () => {
    const { store, admin, session, advance } = setup();
    await admin.add({ username: 'ann', password: 'pw' }, { overwrite: false });
    advance(1000);
    session('s1', 'ann');
    session('s2', 'ann');
    session('s3', 'bob');
    advance(1000);
    expect(await admin.add({ username: 'ann', password: 'new' }, { overwrite: true })).toEqual({ sessionsEnded: 2 });
    const user = store.users.get('ann')!;
    expect(user.sessionsValidAfter).toBe(user.createdAt);
    expect([...store.sessions.keys()]).toEqual(['s3']);
  });

  test('overwriting keeps the email, full name and disabled flag it is not given', async () => {
    const { store, admin } = setup();
    await admin.add(
      { username: 'ann', password: 'pw', email: 'a@example.com', fullName: 'Ann', disabled: true },
      { overwrite: false },
    );
    await admin.add({ username: 'ann', password: 'new' }, { overwrite: true });
    expect(store.users.get('ann')).toMatchObject({
      passwordHash: 'hash:new',
      email: 'a@example.com',
      fullName: 'Ann',
      disabled: true,
    });
    await admin.add(
      { username: 'ann', password: 'new2', email: 'b@example.com', disabled: false },
      { overwrite: true },
    );
    expect(store.users.get('ann')).toMatchObject({ email: 'b@example.com', fullName: 'Ann', disabled: false });
  });

  test('refuses a bad username or password before hashing anything', async () => {
    const { admin, hashed } = setup();
    expect(await code(admin.add({ username: 'x'.repeat(129), password: 'pw' }, { overwrite: false }))).toMatch(
      /^invalid_username: .*128/,
    );
    expect(await code(admin.add({ username: 'a\u0007b', password: 'pw' }, { overwrite: false }))).toMatch(
      /^invalid_username: .*control/,
    );
    expect(await code(admin.add({ username: 'ann', password: '' }, { overwrite: false }))).toMatch(
      /^invalid_password: .*empty/,
    );
    expect(await code(admin.add({ username: 'ann', password: 'é'.repeat(37) }, { overwrite: false }))).toMatch(
      /^invalid_password: .*72 bytes/,
    );
    expect(hashed).toEqual([]);
  });

  test('disabling ends every session; enabling does not revive them', async () => {
    const { store, admin, session, advance } = setup();
    await admin.add({ username: 'ann', password: 'pw' }, { overwrite: false });
    advance(1000);
    session('s1', 'ann');
    advance(1000);
    expect(await admin.setDisabled('ann', true)).toEqual({ sessionsEnded: 1 });
    const ended = store.users.get('ann')!.sessionsValidAfter;
    expect(store.users.get('ann')).toMatchObject({ disabled: true });
    expect(ended).toBeGreaterThan(store.users.get('ann')!.createdAt);
    expect(await admin.setDisabled('ann', false)).toEqual({ sessionsEnded: 0 });
    expect(store.users.get('ann')).toMatchObject({ disabled: false, sessionsValidAfter: ended });
    expect(await code(admin.setDisabled('nobody', true))).toBe('user_not_found: no user "nobody"');
  });

  test('removing deletes the user and tidies their sessions; list is sorted and exists() checks the name', async () => {
    const { store, admin, session } = setup();
    await admin.add({ username: 'zed', password: 'pw' }, { overwrite: false });
    await admin.add({ username: 'ann', password: 'pw' }, { overwrite: false });
    session('s1', 'zed');
    expect((await admin.list()).map((u) => u.username)).toEqual(['ann', 'zed']);
    await admin.remove('zed');
    expect(store.users.has('zed')).toBe(false);
    expect(store.sessions.size).toBe(0);
    expect(await admin.exists('zed')).toBe(false);
    expect(await admin.exists('ann')).toBe(true);
    expect(await code(admin.remove('zed'))).toBe('user_not_found: no user "zed"');
  });

  test('checkUsername is the one username rule the CLI shares with the login parser', () => {
    expect(checkUsername('johndoe')).toBe('johndoe');
    expect(() => checkUsername(undefined)).toThrow('a username is required');
    expect(() => checkUsername('x'.repeat(129))).toThrow('usernames are at most 128 characters');
  });
});
