import fc from 'fast-check';
import { AuthService } from '../../functions/core/auth';
import { DomainError } from '../../functions/core/errors';
import type { PasswordVerifier } from '../../functions/core/passwords';
import { TokenService } from '../../functions/core/tokens';
import { testTokenKeys } from '../support/keys';
import { MemoryStore } from '../support/memory-store';

// The brute-force rule under concurrency (docs/http-contract.md "Brute force"), with every store
// operation and every password check an interleaving point chosen by fast-check's scheduler.

const lockout = { maxFailures: 5, baseLockSeconds: 1, maxLockSeconds: 900, windowSeconds: 900, ipMaxFailures: 100 };
const tokenSettings = {
  issuer: 'i',
  audience: 'a',
  accessTokenTtl: 900,
  refreshTokenTtl: 604800,
  defaultClientId: 'web',
};

/** Passwords are their own hashes here; each check is counted and is a scheduling point too. */
class CountingVerifier implements PasswordVerifier {
  checks = 0;
  constructor(private readonly pause: () => Promise<void>) {}
  async check(password: string, hash: string | undefined) {
    this.checks++;
    await this.pause();
    return hash !== undefined && password === hash;
  }
  needsRehash = () => false;
  hash = async (password: string) => password;
}

async function setup(s: fc.Scheduler, over: Partial<typeof lockout> = {}) {
  const store = new MemoryStore();
  const pause = () => s.schedule(Promise.resolve()).then(() => undefined);
  store.beforeOp = pause;
  const verifier = new CountingVerifier(pause);
  const tokens = new TokenService(await testTokenKeys(), tokenSettings);
  const settings = { sessionMaxSeconds: 2592000, refreshReuseGraceSeconds: 10, refreshTokenTtl: 604800 };
  const auth = new AuthService(store, tokens, verifier, { ...settings, lockout: { ...lockout, ...over } }, () => {});
  store.users.set('ann', { username: 'ann', passwordHash: 'right', disabled: false, createdAt: 0 });
  return { store, verifier, auth };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e) => (e instanceof DomainError ? { bad_credentials: 401, login_locked: 429 }[e.code as string] : e),
  );
const count = (statuses: unknown[], status: number) => statuses.filter((x) => x === status).length;

describe('attempts take their place before the password is checked', () => {
  test('30 parallel wrong passwords for one username: at most 5 are checked, the rest are 429', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { verifier, auth, store } = await setup(s);
        const all = Promise.all(Array.from({ length: 30 }, () => outcome(auth.login('ann', 'wrong', {}))));
        const statuses = await s.waitFor(all);
        expect(verifier.checks).toBeLessThanOrEqual(5);
        expect(count(statuses, 401)).toBe(verifier.checks);
        expect(count(statuses, 429)).toBe(30 - verifier.checks);
        // The lock is the one five sequential failures set: 1 s, not longer.
        const t = store.throttles.get('u:ann')!;
        expect(t.failures).toBe(verifier.checks);
        if (t.failures === 5) expect(t.lockedUntil - Date.now()).toBeLessThanOrEqual(1000);
      }),
      { numRuns: 40 },
    );
  });

  test('29 wrong and the right one at once: no more checks than the same attempts made one by one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.nat(29), async (s, rightAt) => {
        const { verifier, auth } = await setup(s);
        const tries = Array.from({ length: 30 }, (_, i) =>
          outcome(auth.login('ann', i === rightAt ? 'right' : 'wrong', {})),
        );
        const statuses = await s.waitFor(Promise.all(tries));
        // One by one, the worst order is 4 wrong, the right one (which resets the count), 5 wrong, locked:
        // 10 checks. Without places taken first, all 30 were checked.
        expect(count(statuses, 401)).toBeLessThanOrEqual(9);
        expect(verifier.checks).toBe(count(statuses, 401) + count(statuses, 200));
        expect(count(statuses, 429)).toBeGreaterThanOrEqual(20);
      }),
      { numRuns: 40 },
    );
  });

  test('30 parallel attempts from one IP across fresh usernames: at most the IP limit is checked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { verifier, auth } = await setup(s, { ipMaxFailures: 4 });
        const meta = { sourceIp: '203.0.113.9' };
        const tries = Array.from({ length: 30 }, (_, i) => outcome(auth.login(`spray-${i}`, 'guess', meta)));
        const statuses = await s.waitFor(Promise.all(tries));
        // "More than 4 failures" refuses: 5 checked, as five sequential attempts would be.
        expect(verifier.checks).toBeLessThanOrEqual(5);
        expect(count(statuses, 401)).toBe(verifier.checks);
        expect(count(statuses, 429)).toBe(30 - verifier.checks);
      }),
      { numRuns: 40 },
    );
  });

  test('100 successful logins from one IP (bursts within its limit) leave it unlocked and uncounted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { auth, store } = await setup(s, { ipMaxFailures: 3 });
        const meta = { sourceIp: '198.51.100.1' };
        for (let i = 0; i < 10; i++) {
          store.users.set(`u${i}`, { username: `u${i}`, passwordHash: 'right', disabled: false, createdAt: 0 });
        }
        // Attempts in flight hold their places: a burst larger than the limit is refused in part, by design.
        for (let round = 0; round < 25; round++) {
          const tries = Array.from({ length: 4 }, (_, i) => outcome(auth.login(`u${(round + i) % 10}`, 'right', meta)));
          expect(await s.waitFor(Promise.all(tries))).toEqual([200, 200, 200, 200]);
        }
        expect(store.throttles.get('ip:198.51.100.1')?.failures ?? 0).toBe(0);
        expect(await s.waitFor(outcome(auth.login('ann', 'wrong', meta)))).toBe(401);
      }),
      { numRuns: 10 },
    );
  });

  test('as many successful logins at once as the threshold all succeed and leave no count or lock', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { auth, store } = await setup(s);
        const statuses = await s.waitFor(
          Promise.all(Array.from({ length: 5 }, () => outcome(auth.login('ann', 'right', {})))),
        );
        expect(statuses).toEqual([200, 200, 200, 200, 200]);
        // The record may be left at 0 failures (two give-backs crossing), but it locks nobody.
        expect(store.throttles.get('u:ann')?.failures ?? 0).toBe(0);
        expect(await s.waitFor(outcome(auth.login('ann', 'right', {})))).toBe(200);
      }),
      { numRuns: 40 },
    );
  });

  test('a place taken on one side is given back when the other side refuses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { auth, store } = await setup(s, { ipMaxFailures: 1 });
        const meta = { sourceIp: '192.0.2.1' };
        for (const name of ['x1', 'x2']) expect(await s.waitFor(outcome(auth.login(name, 'guess', meta)))).toBe(401);
        // The IP is full: the username's place this attempt took must not count against "ann".
        expect(await s.waitFor(outcome(auth.login('ann', 'wrong', meta)))).toBe(429);
        expect(store.throttles.get('u:ann')?.failures ?? 0).toBe(0);
      }),
      { numRuns: 10 },
    );
  });

  test("an IP-refused attempt gives back its own place only: the username's earlier failures stay", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { auth, store } = await setup(s, { ipMaxFailures: 3 });
        // Three failures for ann from one address, which is then exactly at its limit.
        for (let i = 0; i < 3; i++)
          expect(await s.waitFor(outcome(auth.login('ann', 'wrong', { sourceIp: 'a' })))).toBe(401);
        // A burst for ann from that address: at most one takes its last place and is checked.
        const burst = Array.from({ length: 3 }, () => outcome(auth.login('ann', 'wrong', { sourceIp: 'a' })));
        const statuses = await s.waitFor(Promise.all(burst));
        const checked = count(statuses, 401);
        expect(checked + count(statuses, 429)).toBe(3);
        expect(checked).toBeLessThanOrEqual(1);
        // Every checked failure is still counted: the refused attempts forgot none of them.
        expect(store.throttles.get('u:ann')?.failures).toBeGreaterThanOrEqual(3 + checked);
      }),
      { numRuns: 50 },
    );
  });

  test('attempts refused at a full address buy no extra checks: after 3 failures, 2 more, then 429', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { auth, store, verifier } = await setup(s, { ipMaxFailures: 4 });
        for (let i = 0; i < 3; i++)
          expect(await s.waitFor(outcome(auth.login('ann', 'wrong', { sourceIp: 'a' })))).toBe(401);
        // The address reaches its limit exactly: one more place there, then none.
        expect(await s.waitFor(outcome(auth.login('zed', 'guess', { sourceIp: 'a' })))).toBe(401);
        const checksBefore = verifier.checks;
        // Two at once for ann: the address has room for one of them, whichever the interleaving picks.
        const pair = [1, 2].map(() => outcome(auth.login('ann', 'wrong', { sourceIp: 'a' })));
        expect((await s.waitFor(Promise.all(pair))).sort()).toEqual([401, 429]);
        const record = store.throttles.get('u:ann')!;
        // Four of ann's passwords were checked and are counted; a lock the refused place set still counts.
        expect(record.failures).toBeGreaterThanOrEqual(4);
        if (record.lockedUntil > Date.now()) expect(record.failures).toBeGreaterThanOrEqual(5);
        // So the contract's fifth failure, from anywhere, locks: the next attempt is not checked.
        const fifth = await s.waitFor(outcome(auth.login('ann', 'wrong', { sourceIp: 'b' })));
        expect([401, 429]).toContain(fifth);
        expect(await s.waitFor(outcome(auth.login('ann', 'right', { sourceIp: 'b' })))).toBe(429);
        expect(verifier.checks - checksBefore).toBeLessThanOrEqual(2);
      }),
      { numRuns: 50 },
    );
  });

  test('a store failure while taking places is a 503 and gives back the place already taken', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const { auth, store, verifier } = await setup(s);
        const pause = store.beforeOp!;
        store.beforeOp = async (op) => {
          await pause(op);
          if (op === 'takeIpPlace') throw Object.assign(new Error('down'), { name: 'ServiceUnavailableError' });
        };
        expect(await s.waitFor(outcome(auth.login('ann', 'right', {})))).toMatchObject({
          name: 'ServiceUnavailableError',
        });
        expect(verifier.checks).toBe(0);
        expect(store.throttles.get('u:ann')?.failures ?? 0).toBe(0);
      }),
      { numRuns: 10 },
    );
  });
});
