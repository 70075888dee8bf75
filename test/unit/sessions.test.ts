import { type Audit, AuthService } from '../../functions/core/auth';
import { DomainError } from '../../functions/core/errors';
import { PasswordChecker, hashPassword } from '../../functions/core/passwords';
import { SessionService } from '../../functions/core/sessions';
import { TokenService } from '../../functions/core/tokens';
import { testTokenKeys } from '../support/keys';
import { MemoryStore } from '../support/memory-store';

const settings = { issuer: 'i', audience: 'a', accessTokenTtl: 900, refreshTokenTtl: 604800, defaultClientId: 'web' };
const lockout = { maxFailures: 5, baseLockSeconds: 1, maxLockSeconds: 900, windowSeconds: 900, ipMaxFailures: 100 };
const meta = { sourceIp: '198.51.100.9', userAgent: 'jest' };

async function setup() {
  const store = new MemoryStore();
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const audit: Audit = (event, fields) => events.push({ event, fields: { ...fields } });
  const tokens = new TokenService(await testTokenKeys(), settings);
  const authSettings = { ...settings, sessionMaxSeconds: 2592000, refreshReuseGraceSeconds: 10, lockout };
  const auth = new AuthService(store, tokens, new PasswordChecker(4), authSettings, audit, now);
  const cleanupErrors: unknown[] = [];
  const sessions = new SessionService(store, auth, audit, now, (err) => cleanupErrors.push(err));
  await store.putUser(
    { username: 'ann', passwordHash: await hashPassword('pw', 4), disabled: false, createdAt: 0 },
    { overwrite: false },
  );
  await store.putUser(
    { username: 'bob', passwordHash: await hashPassword('pw', 4), disabled: false, createdAt: 0 },
    { overwrite: false },
  );
  const login = async (username = 'ann') => {
    const issued = await auth.login(username, 'pw', meta);
    clock += 1000;
    return issued;
  };
  return { store, sessions, events, cleanupErrors, login, advance: (ms: number) => (clock += ms) };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof DomainError ? e.code : String(e)),
  );

describe('SessionService', () => {
  test('lists the live sessions newest first, marks the current one, leaves out ended and foreign ones', async () => {
    const { store, sessions, login, advance } = await setup();
    const first = await login();
    const second = await login();
    const ended = await login();
    await login('bob');
    await store.deleteSessions([ended.sid]);
    advance(1000);

    const list = await sessions.list(second.accessToken);
    expect(list.map((s) => [s.id, s.current])).toEqual([
      [second.sid, true],
      [first.sid, false],
    ]);
    const item = store.sessions.get(second.sid)!;
    expect(list[0]).toMatchObject({
      created_at: new Date(item.createdAt).toISOString(),
      expires_at: new Date(item.expiresAt).toISOString(),
    });
  });

  test('list needs a live access token', async () => {
    const { sessions, login } = await setup();
    const { refreshToken } = await login();
    expect(await code(sessions.list(undefined))).toBe('not_authenticated');
    expect(await code(sessions.list(refreshToken))).toBe('invalid_token');
  });

  test('logout-all ends every session of the caller, even one the index does not list, and counts them', async () => {
    const { store, sessions, events, login } = await setup();
    const a = await login();
    const b = await login();
    const other = await login('bob');
    // The index is eventually consistent: a session it does not list yet must end all the same.
    const listSessionIds = store.listSessionIds.bind(store);
    store.listSessionIds = async (username) => (await listSessionIds(username)).filter((sid) => sid !== b.sid);

    expect(await sessions.logoutAll({ accessToken: a.accessToken }, meta)).toBe(1);
    expect(store.users.get('ann')!.sessionsValidAfter).toBeGreaterThanOrEqual(store.sessions.get(b.sid)!.createdAt);
    expect(await code(sessions.list(b.accessToken))).toBe('invalid_token');
    expect(await code(sessions.list(other.accessToken))).toBe('ok');
    expect(events.filter((e) => e.event === 'logout_all')).toEqual([
      { event: 'logout_all', fields: { username: 'ann', sid: a.sid, revoked: 1, ...meta } },
    ]);
  });

  test('logout-all accepts the refresh cookie instead of a bearer token, and refuses no credentials', async () => {
    const { sessions, login } = await setup();
    const a = await login();
    expect(await code(sessions.logoutAll({}, meta))).toBe('not_authenticated');
    expect(await sessions.logoutAll({ refreshToken: a.refreshToken }, meta)).toBe(1);
    expect(await code(sessions.logoutAll({ refreshToken: a.refreshToken }, meta))).toBe('invalid_token');
  });

  test('logout-all answers after its commit point even when the cleanup fails, and reports the failure', async () => {
    const { store, sessions, cleanupErrors, login } = await setup();
    const a = await login();
    store.listSessionIds = async () => {
      throw new Error('index unavailable');
    };
    expect(await sessions.logoutAll({ accessToken: a.accessToken }, meta)).toBe(1);
    expect(cleanupErrors).toHaveLength(1);
    expect(await code(sessions.list(a.accessToken))).toBe('invalid_token');
  });

  test('delete ends only a live session of the caller; anything else is session_not_found', async () => {
    const { store, sessions, events, login } = await setup();
    const mine = await login();
    const other = await login();
    const bobs = await login('bob');
    expect(await code(sessions.delete(mine.accessToken, bobs.sid, meta))).toBe('session_not_found');
    expect(store.sessions.has(bobs.sid)).toBe(true);
    expect(await code(sessions.delete(mine.accessToken, 'not-an-id', meta))).toBe('session_not_found');
    expect(await code(sessions.delete(mine.accessToken, other.sid, meta))).toBe('ok');
    expect(store.sessions.has(other.sid)).toBe(false);
    expect(await code(sessions.delete(mine.accessToken, other.sid, meta))).toBe('session_not_found');
    expect(events.filter((e) => e.event === 'session_deleted').map((e) => e.fields.sid)).toEqual([other.sid]);
  });

  test('delete answers a malformed id without reading the store, but only for a caller who sent a token', async () => {
    const { store, sessions, login } = await setup();
    const { accessToken } = await login();
    const before = store.calls;
    expect(await code(sessions.delete(accessToken, '../../etc', meta))).toBe('session_not_found');
    expect(store.calls).toBe(before);
    expect(await code(sessions.delete(undefined, '../../etc', meta))).toBe('not_authenticated');
  });
});
