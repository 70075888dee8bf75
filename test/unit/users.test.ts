import { DomainError } from '../../functions/core/errors';
import { passwordProblem } from '../../functions/core/passwords';
import fc from 'fast-check';
import { UserAdmin } from '../../functions/core/users';
import { canonicalUsername, checkUsername } from '../../functions/core/usernames';
import { usernameSkeleton } from '../../functions/core/username-skeleton';
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
  // Born as a login makes them: under the user's credential version at that moment.
  const session = (sid: string, username: string, createdAt = clock - 1) =>
    store.sessions.set(sid, {
      sid,
      username,
      jti: 'j',
      createdAt,
      lastUsedAt: createdAt,
      expiresAt: clock + 1e9,
      absoluteExpiresAt: clock + 2e9,
      credentialVersion: store.users.get(username)?.credentialVersion,
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
      username: 'ann',
      sessionsEnded: 0,
    });
    expect(store.users.get('ann')).toMatchObject({ passwordHash: 'hash:pw', email: 'a@example.com', disabled: false });
    expect(await code(admin.add({ username: 'ann', password: 'other' }, { overwrite: false }))).toBe(
      'user_exists: user "ann" exists; use --force to overwrite it',
    );
    expect(store.users.get('ann')!.passwordHash).toBe('hash:pw');
  });

  test('overwriting ends every session the old user had (new credential version) and tidies their items', async () => {
    const { store, admin, session, advance } = setup();
    await admin.add({ username: 'ann', password: 'pw' }, { overwrite: false });
    advance(1000);
    session('s1', 'ann');
    session('s2', 'ann');
    session('s3', 'bob');
    const bornUnder = store.sessions.get('s1')!.credentialVersion;
    advance(1000);
    expect(await admin.add({ username: 'ann', password: 'new' }, { overwrite: true })).toEqual({
      username: 'ann',
      sessionsEnded: 2,
    });
    const user = store.users.get('ann')!;
    expect(user.credentialVersion).toBeDefined();
    expect(user.credentialVersion).not.toBe(bornUnder);
    // No instant of the operator's machine is stored: its clock decides nothing.
    expect(user.sessionsValidAfter).toBeUndefined();
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

  test('disabling ends every session (a new credential version); enabling does not revive them', async () => {
    const { store, admin, session, advance } = setup();
    await admin.add({ username: 'ann', password: 'pw' }, { overwrite: false });
    advance(1000);
    session('s1', 'ann');
    const bornUnder = store.sessions.get('s1')!.credentialVersion;
    advance(1000);
    expect(await admin.setDisabled('ann', true)).toEqual({ sessionsEnded: 1 });
    const ended = store.users.get('ann')!.credentialVersion;
    expect(store.users.get('ann')).toMatchObject({ disabled: true });
    expect(store.users.get('ann')!.sessionsValidAfter).toBeUndefined();
    expect(ended).not.toBe(bornUnder);
    expect(await admin.setDisabled('ann', false)).toEqual({ sessionsEnded: 0 });
    expect(store.users.get('ann')).toMatchObject({ disabled: false, credentialVersion: ended });
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

  test('migrate-usernames renames legacy names to canonical ones, reporting collisions and refusals', async () => {
    const { store, admin, session } = setup();
    const legacy = (username: string, passwordHash = `h-${username}`) =>
      store.users.set(username, { username, passwordHash, disabled: false, createdAt: 1 });
    legacy('MixedCase');
    legacy('Dup');
    legacy('dup');
    legacy('zero\u200bwidth');
    legacy('fine');
    session('s1', 'MixedCase');
    const report = await admin.migrateUsernames();
    expect(report).toEqual({
      migrated: [{ from: 'MixedCase', to: 'mixedcase' }],
      collisions: [{ from: 'Dup', to: 'dup' }],
      refused: [{ from: 'zero\u200bwidth', reason: expect.stringContaining('format characters') }],
      lookalikes: [],
    });
    expect([...store.users.keys()].sort()).toEqual(['Dup', 'dup', 'fine', 'mixedcase', 'zero\u200bwidth']);
    expect(store.users.get('mixedcase')).toMatchObject({ username: 'mixedcase', passwordHash: 'h-MixedCase' });
    // The renamed user's sessions named the old user: they are gone with it.
    expect(store.sessions.size).toBe(0);
    // A second run finds nothing more to do; an interrupted run (copy written, old item left) is finished.
    expect((await admin.migrateUsernames()).migrated).toEqual([]);
    legacy('Again', 'h-again');
    store.users.set('again', { username: 'again', passwordHash: 'h-again', disabled: false, createdAt: 1 });
    expect((await admin.migrateUsernames()).migrated).toEqual([{ from: 'Again', to: 'again' }]);
    expect(store.users.has('Again')).toBe(false);
  });
});

describe('canonical usernames', () => {
  test('trimmed, NFKC, lower case: look-alikes are one name', () => {
    for (const raw of ['JohnDoe', '  johndoe\t'.replace('\t', ' '), 'ＪｏｈｎＤｏｅ', 'JOHNDOE'])
      expect(canonicalUsername(raw)).toEqual({ username: 'johndoe' });
    // NFKC spells compatibility characters out: the digraph Ǆ becomes d + ž.
    expect(canonicalUsername('Ǆemal')).toEqual({ username: 'd\u017eemal' });
    expect(checkUsername(' Ann ')).toBe('ann');
  });

  test('control and format characters (zero-width, bidi overrides) are refused, not removed', () => {
    expect(canonicalUsername('john\u200bdoe')).toEqual({ problem: 'format_characters' });
    expect(canonicalUsername('johndoe\u200b')).toEqual({ problem: 'format_characters' });
    expect(canonicalUsername('\u202eeodnhoj')).toEqual({ problem: 'format_characters' });
    expect(canonicalUsername('john\u0000doe')).toEqual({ problem: 'control_characters' });
    expect(canonicalUsername('john\ndoe')).toEqual({ problem: 'control_characters' });
    expect(canonicalUsername('   ')).toEqual({ problem: 'empty' });
    // NFKC makes U+FE70 a space and a combining mark: trimmed after it too, so the form is a fixed point.
    const fathatan = canonicalUsername('\uFE70');
    expect(fathatan).toEqual({ username: '\u064B' });
    expect(canonicalUsername('\u064B')).toEqual(fathatan);
  });

  test('at most 128 characters and 512 bytes after normalisation (NFKC can make one character eighteen)', () => {
    expect(canonicalUsername('x'.repeat(128))).toEqual({ username: 'x'.repeat(128) });
    expect(canonicalUsername('x'.repeat(129))).toEqual({ problem: 'too_long' });
    // U+FDFA is one character that NFKC spells out in eighteen: 100 of them would be 1800.
    expect('\uFDFA'.normalize('NFKC')).toHaveLength(18);
    expect(canonicalUsername('\uFDFA'.repeat(100))).toEqual({ problem: 'too_long' });
    expect(canonicalUsername('😀'.repeat(128))).toEqual({ username: '😀'.repeat(128) });
  });

  test('the canonical form is a fixed point, and always within the key limits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 140 }), (raw) => {
        const once = canonicalUsername(raw);
        if ('problem' in once) return;
        expect(canonicalUsername(once.username)).toEqual(once);
        expect([...once.username].length).toBeLessThanOrEqual(128);
        expect(Buffer.byteLength(once.username, 'utf8')).toBeLessThanOrEqual(512);
        expect(once.username).toBe(once.username.trim());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('look-alike usernames (confusable skeletons, Unicode TS #39)', () => {
  // Cyrillic а (U+0430), Greek α (U+03B1), dotless ı (U+0131), Cyrillic р, у (paypal): NFKC keeps them.
  const ADMIN_LOOKALIKES = ['\u0430dmin', '\u03b1dmin', 'adm\u0131n', 'adrnin'];

  test('names NFKC does not fold share a skeleton with the Latin name they imitate; different names do not', () => {
    for (const name of ADMIN_LOOKALIKES) {
      expect(checkUsername(name)).toBe(name);
      expect([name, usernameSkeleton(name)]).toEqual([name, usernameSkeleton('admin')]);
    }
    expect(usernameSkeleton('\u0440\u0430\u0443\u0440\u0430l')).toBe(usernameSkeleton('paypal'));
    for (const other of ['admins', 'odmin', 'john', 'j0hn'])
      expect(usernameSkeleton(other)).not.toBe(usernameSkeleton('admin'));
  });

  test('the CLI refuses a new user whose name looks like an existing one, naming it; nothing is written', async () => {
    const { store, admin, hashed } = setup();
    await admin.add({ username: 'admin', password: 'a long passphrase' }, { overwrite: false });
    for (const name of ADMIN_LOOKALIKES) {
      expect(await code(admin.add({ username: name, password: 'a long passphrase' }, { overwrite: false }))).toBe(
        `user_exists: "${name}" looks like the existing user "admin" ` +
          '(the same confusable skeleton, Unicode TS #39); choose another name',
      );
    }
    expect([...store.users.keys()]).toEqual(['admin']);
    expect(hashed).toHaveLength(1);
  });

  test('small capitals and other phonetic letters are refused in new names only', async () => {
    const { store, admin } = setup();
    expect(await code(admin.add({ username: '\u1d00lice', password: 'a long passphrase' }, { overwrite: false }))).toBe(
      'invalid_username: usernames must not contain phonetic letters (IPA, small capitals)',
    );
    // One stored before the rule keeps working: --force replaces its password.
    store.users.set('\u1d00lice', { username: '\u1d00lice', passwordHash: 'h', disabled: false, createdAt: 1 });
    expect(await code(admin.add({ username: '\u1d00lice', password: 'a long passphrase' }, { overwrite: true }))).toBe(
      'ok',
    );
  });

  test('removing a user frees its look-alikes; a claim whose user is gone is taken over', async () => {
    const { store, admin } = setup();
    await admin.add({ username: 'admin', password: 'a long passphrase' }, { overwrite: false });
    await admin.remove('admin');
    expect(await code(admin.add({ username: '\u0430dmin', password: 'a long passphrase' }, { overwrite: false }))).toBe(
      'ok',
    );
    // A sign-up the store failed after its claim: the claim names a user who was never written.
    store.names.set(usernameSkeleton('paypal'), 'p\u0430ypal');
    expect(await code(admin.add({ username: 'paypal', password: 'a long passphrase' }, { overwrite: false }))).toBe(
      'ok',
    );
    expect(store.names.get(usernameSkeleton('paypal'))).toBe('paypal');
  });

  test('migrate-usernames claims every name, reports look-alike pairs already registered, keeps both', async () => {
    const { store, admin } = setup();
    const legacy = (username: string, createdAt: number) =>
      store.users.set(username, { username, passwordHash: `h-${username}`, disabled: false, createdAt });
    legacy('\u0430dmin', 2);
    legacy('admin', 1);
    legacy('bob', 3);
    const report = await admin.migrateUsernames();
    expect(report.lookalikes).toEqual([{ username: '\u0430dmin', like: 'admin' }]);
    expect([...store.users.keys()].sort()).toEqual(['admin', 'bob', '\u0430dmin']);
    expect(store.names.get(usernameSkeleton('bob'))).toBe('bob');
    // A user who exists keeps working through the CLI, look-alike or not.
    expect(await code(admin.setPassword('\u0430dmin', 'another passphrase'))).toBe('ok');
    expect(await code(admin.add({ username: '\u0430dmin', password: 'a long passphrase' }, { overwrite: true }))).toBe(
      'ok',
    );
    expect(
      await code(admin.add({ username: '\u03b1dmin', password: 'a long passphrase' }, { overwrite: false })),
    ).toMatch(/^user_exists: .*looks like the existing user "admin"/);
  });
});
