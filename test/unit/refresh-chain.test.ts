/**
 * The refresh chain (docs/http-contract.md "Sessions"): a token the session rotated away from less than
 * the grace window ago, however far back in the chain (up to REPLACED_TOKENS_KEPT), is a retry and
 * gets the session's current token back, byte for byte; anything else stale is a replay.
 */
import fc from 'fast-check';
import { AuthService, type AuditEvent, REPLACED_TOKENS_KEPT } from '../../functions/core/auth';
import { DomainError } from '../../functions/core/errors';
import { PasswordChecker, hashPassword } from '../../functions/core/passwords';
import { TokenService } from '../../functions/core/tokens';
import { testTokenKeys } from '../support/keys';
import { MemoryStore } from '../support/memory-store';

const settings = { issuer: 'i', audience: 'a', accessTokenTtl: 900, refreshTokenTtl: 604800, defaultClientId: 'web' };
const lockout = { maxFailures: 5, baseLockSeconds: 1, maxLockSeconds: 900, windowSeconds: 900, ipMaxFailures: 100 };
const meta = { sourceIp: '198.51.100.7' };
const GRACE_MS = 10_000;

let keys: Awaited<ReturnType<typeof testTokenKeys>>;
let hash: string;
beforeAll(async () => {
  keys = await testTokenKeys();
  hash = await hashPassword('pw', 4);
});

async function setup(graceSeconds = GRACE_MS / 1000) {
  const store = new MemoryStore();
  const events: AuditEvent[] = [];
  let clock = Date.UTC(2026, 11, 6, 12, 0, 0);
  const auth = new AuthService(
    store,
    new TokenService(keys, settings),
    new PasswordChecker(4),
    { ...settings, sessionMaxSeconds: 2592000, refreshReuseGraceSeconds: graceSeconds, lockout },
    (event) => events.push(event),
    () => clock,
  );
  await store.putUser({ username: 'ann', passwordHash: hash, disabled: false, createdAt: 0 }, { overwrite: false });
  const { refreshToken, sid } = await auth.login('ann', 'pw', meta);
  return { store, auth, events, sid, first: refreshToken, advance: (ms: number) => (clock += ms) };
}

/** The refresh token answered, or the error code. */
const refresh = (auth: AuthService, token: string) =>
  auth.refresh(token, meta).then(
    (t) => t.refreshToken,
    (e: unknown) => (e instanceof DomainError ? e.code : String(e)),
  );

describe('a slow tab: a token further back in the chain, within the grace window of its replacement', () => {
  test('tab B presents R0 after tab A made R1 then R2: B gets R2 itself, nobody is logged out', async () => {
    const { auth, events, sid, store, first: r0, advance } = await setup();
    const r1 = await refresh(auth, r0); // tab A's timer refresh
    advance(700);
    const r2 = await refresh(auth, r1); // tab A's reload
    advance(800); // tab B's request, sent with R0 before all this, arrives 1.5 s late
    expect(await refresh(auth, r0)).toBe(r2);
    expect(store.sessions.has(sid)).toBe(true);
    expect(events).not.toContain('refresh_token_reuse');
    // Both tabs now hold R2, and it is the session's live token.
    expect(await refresh(auth, r2)).toMatch(/^ey/);
  });

  test('the answer is the same bytes however late within the window, even across a second boundary', async () => {
    const { auth, first: r0, advance } = await setup();
    const r1 = await refresh(auth, r0);
    const r2 = await refresh(auth, r1);
    advance(1_100);
    const late = await refresh(auth, r0);
    advance(3_000);
    expect([late, await refresh(auth, r1), await refresh(auth, r0)]).toEqual([r2, r2, r2]);
  });

  test("each token's window runs from its own replacement: later rotations do not extend it", async () => {
    const { auth, sid, store, events, first: r0, advance } = await setup();
    const r1 = await refresh(auth, r0); // R0 replaced at t0
    advance(GRACE_MS - 2_000);
    const r2 = await refresh(auth, r1); // R1 replaced at t0 + 8 s
    advance(2_000); // t0 + 10 s: R0 at the window's very edge
    expect(await refresh(auth, r0)).toBe(r2);
    advance(1); // one millisecond past R0's window, R1's still open
    expect(await refresh(auth, r1)).toBe(r2);
    expect(await refresh(auth, r0)).toBe('invalid_refresh_token');
    expect(store.sessions.has(sid)).toBe(false);
    expect(events.at(-1)).toBe('refresh_token_reuse');
  });

  test(`the chain is bounded: ${REPLACED_TOKENS_KEPT} replaced tokens kept, one further back a replay`, async () => {
    const { auth, sid, store, first, advance } = await setup();
    const chain = [first];
    for (let i = 0; i < REPLACED_TOKENS_KEPT + 1; i++) {
      chain.push(await refresh(auth, chain.at(-1)!));
      advance(100);
    }
    const current = chain.at(-1)!;
    // Every one of the last REPLACED_TOKENS_KEPT replaced tokens is a retry...
    for (const t of chain.slice(1, -1)) expect(await refresh(auth, t)).toBe(current);
    expect(store.sessions.get(sid)!.olderJtis).toHaveLength(REPLACED_TOKENS_KEPT - 1);
    // ...the one before them is not, though it was replaced less than a second ago.
    expect(await refresh(auth, chain[0])).toBe('invalid_refresh_token');
    expect(store.sessions.has(sid)).toBe(false);
  });

  test('a rotation forgets replaced tokens whose window has closed', async () => {
    const { auth, sid, store, first: r0, advance } = await setup();
    const r1 = await refresh(auth, r0);
    advance(GRACE_MS + 1);
    const r2 = await refresh(auth, r1);
    expect(store.sessions.get(sid)).toMatchObject({ olderJtis: [] });
    await refresh(auth, r2);
    expect(store.sessions.get(sid)!.olderJtis!.map((t) => t.rotatedAt)).toHaveLength(1);
  });

  test('with the window at 0 no replaced token is a retry, the last one included', async () => {
    const { auth, sid, store, first: r0 } = await setup(0);
    const r1 = await refresh(auth, r0);
    await refresh(auth, r1);
    expect(await refresh(auth, r1)).toBe('invalid_refresh_token');
    expect(store.sessions.has(sid)).toBe(false);
  });

  test('logout-all with a cookie from further back in the chain is accepted within the window', async () => {
    const { auth, first: r0, advance } = await setup();
    const r1 = await refresh(auth, r0);
    await refresh(auth, r1);
    advance(1_500);
    await expect(auth.authenticateRefresh(r0, meta)).resolves.toMatchObject({ claims: { sub: 'ann' } });
  });

  test('a password change forgets the whole chain: every earlier token is a replay at once', async () => {
    const { auth, sid, store, first: r0 } = await setup();
    const r1 = await refresh(auth, r0);
    const r2 = await refresh(auth, r1);
    // What the password change does: the session moves to the new version, then the user gets it.
    const renewed = await auth.renewSession(store.sessions.get(sid)!, 'v2');
    store.users.get('ann')!.credentialVersion = 'v2';
    expect(renewed).toBeDefined();
    expect(store.sessions.get(sid)!.olderJtis).toBeUndefined();
    // R0, further back than R2 and well within its window, is a replay now (R2 was tried by the
    // renewal's own test in test/integration/password-change.test.ts).
    expect(await refresh(auth, r0)).toBe('invalid_refresh_token');
    expect(store.sessions.has(sid)).toBe(false);
    expect(r1).not.toBe(r2);
  });
});

describe('the chain as a model', () => {
  test('any schedule of rotations and late tokens: a retry iff in its window and among the last kept', async () => {
    // Steps: rotate the current token, wait, or present the token `back` rotations behind the current.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('rotate' as const) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 6_000 }) }),
      fc.record({ kind: fc.constant('present' as const), back: fc.integer({ min: 1, max: REPLACED_TOKENS_KEPT + 2 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const { auth, sid, store, first, advance } = await setup();
        let now = 0;
        // Every token the session had, with the instant it was replaced (undefined: still current).
        const chain: { token: string; replacedAt?: number }[] = [{ token: first }];
        for (const s of steps) {
          if (!store.sessions.has(sid)) break;
          if (s.kind === 'wait') {
            advance(s.ms);
            now += s.ms;
          } else if (s.kind === 'rotate') {
            const next = await refresh(auth, chain.at(-1)!.token);
            chain.at(-1)!.replacedAt = now;
            chain.push({ token: next });
          } else if (chain.length > s.back) {
            const presented = chain[chain.length - 1 - s.back];
            const retry = s.back <= REPLACED_TOKENS_KEPT && now - presented.replacedAt! <= GRACE_MS;
            const answer = await refresh(auth, presented.token);
            expect(answer).toBe(retry ? chain.at(-1)!.token : 'invalid_refresh_token');
            expect(store.sessions.has(sid)).toBe(retry);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
