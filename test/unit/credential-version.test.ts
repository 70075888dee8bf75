import fc from 'fast-check';
import { AuthService } from '../../functions/core/auth';
import { DomainError } from '../../functions/core/errors';
import type { PasswordVerifier } from '../../functions/core/passwords';
import { TokenService } from '../../functions/core/tokens';
import { UserAdmin } from '../../functions/core/users';
import { testTokenKeys } from '../support/keys';
import { MemoryStore } from '../support/memory-store';

// docs/http-contract.md "Credential version": no interleaving of logins with a password overwrite
// may leave a session born of the replaced password alive. Every store operation and every
// password check is a point where fast-check's scheduler may switch to another request.

const settings = {
  issuer: 'i',
  audience: 'a',
  accessTokenTtl: 900,
  refreshTokenTtl: 604800,
  defaultClientId: 'web',
  sessionMaxSeconds: 2592000,
  refreshReuseGraceSeconds: 10,
  lockout: { maxFailures: 50, baseLockSeconds: 1, maxLockSeconds: 900, windowSeconds: 900, ipMaxFailures: 1000 },
};

async function setup(schedule: () => Promise<void>) {
  const store = new MemoryStore();
  let racing = true;
  // Time moves on at every step, as it does while a real CLI hashes and real logins run: a
  // timestamp alone (sessionsValidAfter) cannot order a login against an overwrite.
  let clock = Date.now();
  const now = () => clock;
  const pause = () => {
    clock += 1;
    return racing ? schedule() : Promise.resolve();
  };
  store.beforeOp = pause;
  // Passwords are their own hashes: what matters here is which hash a login read, not bcrypt.
  const verifier: PasswordVerifier = {
    check: async (password, hash) => {
      await pause();
      return password === hash;
    },
    needsRehash: () => false,
    hash: async (p) => p,
  };
  const tokens = new TokenService(await testTokenKeys(), settings);
  const auth = new AuthService(store, tokens, verifier, settings, () => {}, now);
  const hash = async (password: string) => {
    await pause(); // hashing takes time: other requests run meanwhile
    return password;
  };
  const admin = new UserAdmin(store, { problem: () => undefined, hash }, now);
  // A user written before credential versions existed: no version on it.
  store.users.set('frank', { username: 'frank', passwordHash: 'old', disabled: false, createdAt: 0 });
  /** Ends the race: from now on every operation runs at once. */
  const settle = () => {
    racing = false;
  };
  return { store, auth, admin, settle, now, pause };
}

const refreshes = (auth: AuthService, token: string) =>
  auth.refresh(token, {}).then(
    () => true,
    (e) => {
      if (e instanceof DomainError && e.code === 'invalid_refresh_token') return false;
      throw e;
    },
  );

describe('credential version', () => {
  test('logins with the old password racing an overwrite never leave a live session behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.nat(6), { minLength: 1, maxLength: 8 }), async (s, delays) => {
        const { store, auth, admin, settle, now, pause } = await setup(() =>
          s.schedule(Promise.resolve()).then(() => undefined),
        );
        // Each login starts a few steps into the race, some after the overwrite has begun.
        const old = delays.map(async (steps) => {
          for (let i = 0; i < steps; i++) await pause();
          return auth.login('frank', 'old', {}).catch(() => undefined);
        });
        const overwrite = admin.add({ username: 'frank', password: 'new' }, { overwrite: true });
        const [issued] = await s.waitFor(Promise.all([Promise.all(old), overwrite]));
        settle();

        for (const tokens of issued) if (tokens) expect(await refreshes(auth, tokens.refreshToken)).toBe(false);
        const live = [...store.sessions.values()].filter((x) => auth.alive(x, store.users.get('frank')!, now()));
        expect(live).toEqual([]);
        // The new password works, and its session lives.
        const fresh = await auth.login('frank', 'new', {});
        expect(await refreshes(auth, fresh.refreshToken)).toBe(true);
      }),
      { numRuns: 60 },
    );
  }, 30_000);

  test('logins racing a disable never leave a session that enabling the user brings back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.nat(6), { minLength: 1, maxLength: 8 }), async (s, delays) => {
        const { store, auth, admin, settle, now, pause } = await setup(() =>
          s.schedule(Promise.resolve()).then(() => undefined),
        );
        const logins = delays.map(async (steps) => {
          for (let i = 0; i < steps; i++) await pause();
          return auth.login('frank', 'old', {}).catch(() => undefined);
        });
        const disable = admin.setDisabled('frank', true);
        await s.waitFor(Promise.all([Promise.all(logins), disable]));
        settle();
        await admin.setDisabled('frank', false);
        // No clock in it: the disable's new credential version decides, however the logins interleaved.
        const live = [...store.sessions.values()].filter((x) => auth.alive(x, store.users.get('frank')!, now()));
        expect(live).toEqual([]);
        const fresh = await auth.login('frank', 'old', {});
        expect(await refreshes(auth, fresh.refreshToken)).toBe(true);
      }),
      { numRuns: 60 },
    );
  }, 30_000);

  test('users and sessions written before versions existed are one legacy version: upgrading ends nobody', async () => {
    const { store, auth } = await setup(async () => undefined);
    const tokens = await auth.login('frank', 'old', {});
    const session = store.sessions.get(tokens.sid)!;
    expect(session.credentialVersion).toBeUndefined();
    expect(await refreshes(auth, tokens.refreshToken)).toBe(true);
  });

  test('a session born under another version is ended: refresh, who-am-I, listing and delete all agree', async () => {
    const { store, auth } = await setup(async () => undefined);
    const tokens = await auth.login('frank', 'old', {});
    // As a password change or reset would leave it: same hash, a new version.
    store.users.get('frank')!.credentialVersion = 'v2';
    await expect(auth.authenticate(tokens.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(await refreshes(auth, tokens.refreshToken)).toBe(false);
  });

  test('users the CLI writes get a fresh random version each time', async () => {
    const { store, admin } = await setup(async () => undefined);
    await admin.add({ username: 'gina', password: 'a' }, { overwrite: false });
    const first = store.users.get('gina')!.credentialVersion;
    await admin.add({ username: 'gina', password: 'b' }, { overwrite: true });
    const second = store.users.get('gina')!.credentialVersion;
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(second).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(second).not.toBe(first);
  });
});
