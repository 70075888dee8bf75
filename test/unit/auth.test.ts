import bcrypt from 'bcryptjs';
import { AuthService, type AuditEvent } from '../../functions/core/auth';
import { DomainError } from '../../functions/core/errors';
import { errorResponse } from '../../functions/http/errors';
import { PasswordChecker, hashPassword } from '../../functions/core/passwords';
import { TokenService } from '../../functions/core/tokens';
import { testTokenKeys } from '../support/keys';
import { MemoryStore } from '../support/memory-store';

const settings = { issuer: 'i', audience: 'a', accessTokenTtl: 900, refreshTokenTtl: 604800, defaultClientId: 'web' };
const authSettings = {
  ...settings,
  sessionMaxSeconds: 2592000,
  refreshReuseGraceSeconds: 10,
  lockout: { maxFailures: 5, baseLockSeconds: 1, maxLockSeconds: 900, windowSeconds: 900, ipMaxFailures: 100 },
};
const meta = { sourceIp: '198.51.100.7', userAgent: 'jest' };

async function setup() {
  const store = new MemoryStore();
  const tokens = new TokenService(await testTokenKeys(), settings);
  const events: { event: AuditEvent; fields: Record<string, unknown> }[] = [];
  let clock = Date.now();
  const auth = new AuthService(
    store,
    tokens,
    new PasswordChecker(4),
    authSettings,
    (event, fields) => events.push({ event, fields: { ...fields } }),
    () => clock,
  );
  await store.putUser(
    { username: 'ann', passwordHash: await hashPassword('pw', 4), disabled: false, createdAt: 0 },
    { overwrite: false },
  );
  return { store, tokens, auth, events, advance: (ms: number) => (clock += ms) };
}

/** What the client would see: the domain error through the HTTP layer's one mapping, or the error's name. */
const answer = (e: unknown) => {
  if (!(e instanceof DomainError)) return (e as Error).name;
  const r = errorResponse(e);
  return `${r.statusCode} ${JSON.parse(String(r.body)).detail}`;
};
const status = (p: Promise<unknown>) => p.then(() => 'ok', answer);

describe('AuthService', () => {
  test('login writes one session named by both tokens and audits it without secrets', async () => {
    const { store, tokens, auth, events } = await setup();
    const result = await auth.login('ann', 'pw', meta);
    const access = await tokens.verify(result.accessToken, 'access');
    const refresh = await tokens.verify(result.refreshToken, 'refresh');
    expect(access.sid).toBe(result.sid);
    expect(refresh.sid).toBe(result.sid);
    expect(store.sessions.get(result.sid)).toMatchObject({
      username: 'ann',
      jti: refresh.jti,
      expiresAt: refresh.exp * 1000,
      absoluteExpiresAt: (refresh.iat + 2592000) * 1000,
    });
    expect(result.refreshMaxAge).toBe(604800);
    expect(events).toEqual([
      { event: 'login_succeeded', fields: { username: 'ann', sid: result.sid, method: 'password', ...meta } },
    ]);
  });

  test('login failures are one 401 and write nothing; the audit says why', async () => {
    const { store, auth, events } = await setup();
    await store.putUser(
      { username: 'bob', passwordHash: await hashPassword('pw', 4), disabled: true, createdAt: 0 },
      { overwrite: false },
    );
    expect(await status(auth.login('ann', 'nope', meta))).toBe('401 Incorrect username or password');
    expect(await status(auth.login('zed', 'pw', meta))).toBe('401 Incorrect username or password');
    expect(await status(auth.login('bob', 'pw', meta))).toBe('401 Incorrect username or password');
    expect(store.sessions.size).toBe(0);
    expect(events.map((e) => e.fields.reason)).toEqual(['bad_password', 'unknown_user', 'disabled']);
    // The name that is no user ('zed', which could have been a password) appears only as a keyed hash.
    expect(events.map((e) => e.fields.username ?? 'hash')).toEqual(['ann', 'hash', 'bob']);
    expect(events[1].fields.username_hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test('refresh needs the session current jti, an unexpired session, and an enabled user', async () => {
    const { store, auth, advance } = await setup();
    const { refreshToken, sid } = await auth.login('ann', 'pw', meta);
    expect(await status(auth.refresh(refreshToken, meta))).toBe('ok');

    // the token was just rotated: presented again within the grace window it still answers
    expect(await status(auth.refresh(refreshToken, meta))).toBe('ok');
    store.sessions.get(sid)!.jti = 'BBBBBBBBBBBBBBBBBBBBBB';
    store.sessions.get(sid)!.prevJti = 'CCCCCCCCCCCCCCCCCCCCCC';
    expect(await status(auth.refresh(refreshToken, meta))).toBe('401 Invalid refresh token');
    expect(store.sessions.has(sid)).toBe(false); // an older generation is a replay: the session is gone

    const second = await auth.login('ann', 'pw', meta);
    store.users.get('ann')!.disabled = true;
    expect(await status(auth.refresh(second.refreshToken, meta))).toBe('401 Invalid refresh token');
    store.users.get('ann')!.disabled = false;

    advance(604800 * 1000);
    expect(await status(auth.refresh(second.refreshToken, meta))).toBe('401 Invalid refresh token');
  });

  test('sessionsValidAfter ends sessions created at or before it, not later ones', async () => {
    const { store, auth, advance } = await setup();
    const old = await auth.login('ann', 'pw', meta);
    store.users.get('ann')!.sessionsValidAfter = store.sessions.get(old.sid)!.createdAt;
    advance(1);
    const fresh = await auth.login('ann', 'pw', meta);
    expect(await status(auth.authenticate(old.accessToken))).toBe('401 Could not validate credentials');
    expect(await status(auth.authenticate(fresh.accessToken))).toBe('ok');
  });

  test('logout deletes the sessions named by genuine tokens and ignores the rest', async () => {
    const { store, auth, events } = await setup();
    const a = await auth.login('ann', 'pw', meta);
    const b = await auth.login('ann', 'pw', meta);
    await auth.logout({ refreshToken: 'junk', accessToken: b.accessToken }, meta);
    expect([...store.sessions.keys()]).toEqual([a.sid]);
    expect(events.filter((e) => e.event === 'logout')).toEqual([
      { event: 'logout', fields: { username: 'ann', sid: b.sid, ...meta } },
    ]);
  });

  test('logout with nothing genuine does not touch the store', async () => {
    const { store, auth } = await setup();
    const before = store.calls;
    await auth.logout({ refreshToken: 'junk' }, meta);
    await auth.logout({}, meta);
    expect(store.calls).toBe(before);
  });

  test('a store outage surfaces as ServiceUnavailableError, never as a 401', async () => {
    const { store, auth } = await setup();
    const { refreshToken, accessToken } = await auth.login('ann', 'pw', meta);
    store.failing = true;
    expect(await status(auth.login('ann', 'pw', meta))).toBe('ServiceUnavailableError');
    expect(await status(auth.refresh(refreshToken, meta))).toBe('ServiceUnavailableError');
    expect(await status(auth.logout({ refreshToken }, meta))).toBe('ServiceUnavailableError');
    expect(await status(auth.authenticate(accessToken))).toBe('ServiceUnavailableError');
  });

  test('authenticate is 400 Inactive user for a disabled user with a live session', async () => {
    const { store, auth } = await setup();
    const { accessToken } = await auth.login('ann', 'pw', meta);
    store.users.get('ann')!.disabled = true;
    expect(await status(auth.authenticate(accessToken))).toBe('400 Inactive user');
  });
});

describe('rehash on login', () => {
  test('a hash of another cost is remade at BCRYPT_COST by a successful login; version and sessions stay', async () => {
    const { store, auth } = await setup();
    store.users.get('ann')!.passwordHash = await hashPassword('pw', 5);
    store.users.get('ann')!.credentialVersion = 'v1';
    const first = await auth.login('ann', 'pw', meta);
    const user = store.users.get('ann')!;
    expect(bcrypt.getRounds(user.passwordHash)).toBe(4);
    expect(await bcrypt.compare('pw', user.passwordHash)).toBe(true);
    expect(user.credentialVersion).toBe('v1');
    expect(await status(auth.authenticate(first.accessToken))).toBe('ok');
    // Now at the configured cost: the next login writes nothing to the user.
    const hash = user.passwordHash;
    await auth.login('ann', 'pw', meta);
    expect(store.users.get('ann')!.passwordHash).toBe(hash);
  });

  test('a wrong password never rehashes', async () => {
    const { store, auth } = await setup();
    const old = await hashPassword('pw', 5);
    store.users.get('ann')!.passwordHash = old;
    await auth.login('ann', 'nope', meta).catch(() => undefined);
    expect(store.users.get('ann')!.passwordHash).toBe(old);
  });

  test('the rehash is conditional on the hash checked: a password replaced meanwhile is not put back', async () => {
    const { store, auth } = await setup();
    store.users.get('ann')!.passwordHash = await hashPassword('pw', 5);
    const replaced = await hashPassword('new password', 4);
    // The administrator's overwrite lands between the login's check and its rehash.
    store.beforeOp = (op) => {
      if (op === 'replacePasswordHash') store.users.get('ann')!.passwordHash = replaced;
    };
    expect(await status(auth.login('ann', 'pw', meta))).toBe('ok');
    expect(store.users.get('ann')!.passwordHash).toBe(replaced);
  });

  test('a failed rehash changes no answer: the login succeeds and the next one tries again', async () => {
    const { store, auth } = await setup();
    store.users.get('ann')!.passwordHash = await hashPassword('pw', 5);
    store.beforeOp = (op) => {
      if (op === 'replacePasswordHash') throw Object.assign(new Error('down'), { name: 'ServiceUnavailableError' });
    };
    expect(await status(auth.login('ann', 'pw', meta))).toBe('ok');
    expect(bcrypt.getRounds(store.users.get('ann')!.passwordHash)).toBe(5);
  });
});

describe('authenticateRefresh (logout-all with the refresh cookie)', () => {
  test('accepts the current token and the one it replaced within the grace window', async () => {
    const { auth, advance } = await setup();
    const { refreshToken } = await auth.login('ann', 'pw', meta);
    await auth.refresh(refreshToken, meta);
    advance(5_000);
    expect(await status(auth.authenticateRefresh(refreshToken, meta))).toBe('ok');
  });

  test('a token replaced before the grace window is a replay: 401, the session ends, reuse audited', async () => {
    const { store, auth, events, advance } = await setup();
    const { refreshToken, sid } = await auth.login('ann', 'pw', meta);
    await auth.refresh(refreshToken, meta);
    advance(11_500);
    expect(await status(auth.authenticateRefresh(refreshToken, meta))).toBe('401 Could not validate credentials');
    expect(store.sessions.has(sid)).toBe(false);
    expect(events.at(-1)).toEqual({ event: 'refresh_token_reuse', fields: { username: 'ann', sid, ...meta } });
  });
});
