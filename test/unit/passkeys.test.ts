import { AuthService, type AuditEvent } from '../../functions/core/auth';
import { credentialChange } from '../../functions/core/credentials';
import { DomainError, MfaRequired } from '../../functions/core/errors';
import { PasskeyService, passkeyLoginOptions } from '../../functions/core/passkeys';
import type { StoredPasskey } from '../../functions/core/passkey-ports';
import { PasswordChecker, hashPassword } from '../../functions/core/passwords';
import { TokenService } from '../../functions/core/tokens';
import type { VerifiedAssertion, WebAuthnVerifier } from '../../functions/core/webauthn';
import { mfaCipher } from '../../functions/store/mfa-key';
import { testTokenKeys } from '../support/keys';
import { MemoryPasskeyStore } from '../support/memory-passkey-store';

// The passkey login's rules (docs/passkeys.md) on the in-memory store, with a clock the test moves and
// a WebAuthn verifier (our port, core/webauthn.ts) that answers what the test says the library would:
// the challenge's life, the counter policy, concurrent logins, user verification, the IP's places.
// The library itself is checked in test/unit/webauthn.test.ts and over HTTP.

const settings = { issuer: 'i', audience: 'a', accessTokenTtl: 900, refreshTokenTtl: 604800, defaultClientId: 'web' };
const lockout = { maxFailures: 5, baseLockSeconds: 60, maxLockSeconds: 900, windowSeconds: 900, ipMaxFailures: 3 };
const meta = { sourceIp: '198.51.100.9' };
const RP_ID = 'example.com';

async function setup() {
  const store = new MemoryPasskeyStore();
  const events: { event: AuditEvent; fields: Record<string, unknown> }[] = [];
  let clock = Date.UTC(2026, 11, 6, 12, 0, 0);
  const now = () => clock;
  const audit = (event: AuditEvent, fields: object) => events.push({ event, fields: { ...fields } });
  const auth = new AuthService(
    store,
    new TokenService(await testTokenKeys(), settings),
    new PasswordChecker(4),
    { ...settings, sessionMaxSeconds: 2592000, refreshReuseGraceSeconds: 10, lockout },
    audit,
    now,
  );
  /** What the library answers next: verified (with this counter and UV), or refused. */
  const answer: { next: VerifiedAssertion | undefined } = {
    next: { newCounter: 0, userVerified: true, backedUp: true },
  };
  const verifier: WebAuthnVerifier = {
    verifyRegistration: async () => undefined,
    verifyAssertion: async () => answer.next,
  };
  const passkeys = new PasskeyService(
    store,
    auth,
    async () => verifier,
    {
      rpId: RP_ID,
      rpName: 'Test',
      origins: ['https://example.com'],
      maxPasskeys: 10,
      reauthMaxAgeSeconds: 600,
      requireEmailVerification: false,
    },
    audit,
    credentialChange(store, auth, () => undefined),
    now,
  );
  await store.putUser(
    { username: 'ann', passwordHash: await hashPassword('pw', 4), disabled: false, createdAt: 0, userHandle: 'h-ann' },
    { overwrite: false },
  );
  const passkey: StoredPasskey = {
    id: 'cred-ann-1',
    username: 'ann',
    userHandle: 'h-ann',
    publicKey: 'unused-by-the-fake',
    alg: -7,
    counter: 0,
    transports: ['internal'],
    aaguid: '00000000-0000-0000-0000-000000000000',
    backupEligible: true,
    backedUp: true,
    uvAtCreation: true,
    name: 'Phone',
    createdAt: 0,
  };
  await store.putPasskey(passkey);
  /** An assertion of `id` over a challenge the options route handed out (at the clock's time). */
  const assertion = async (id = passkey.id, from = meta) => {
    const { challenge } = await passkeyLoginOptions(store, RP_ID, undefined, clock);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge, origin: 'https://example.com' }),
    ).toString('base64url');
    return { response: { id, rawId: id, type: 'public-key', response: { clientDataJSON } }, from };
  };
  const login = async (a: { response: unknown; from: typeof meta }) => passkeys.login(a.response, a.from);
  return { store, events, answer, passkey, assertion, login, auth, advance: (ms: number) => (clock += ms) };
}

const outcome = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (e instanceof MfaRequired ? 'mfa_required' : e instanceof DomainError ? e.code : String(e)),
  );

describe('the passkey login', () => {
  test('a challenge lives 5 minutes and serves one login', async () => {
    const t = await setup();
    const late = await t.assertion();
    t.advance(300_001);
    expect(await outcome(t.login(late))).toBe('invalid_challenge');
    const inTime = await t.assertion();
    t.advance(299_000);
    expect(await outcome(t.login(inTime))).toBe('ok');
    expect(await outcome(t.login(inTime))).toBe('invalid_challenge');
  });

  test('counters: both 0 accepted; a growing one stored; one not above flags the passkey for good', async () => {
    const t = await setup();
    for (let i = 0; i < 2; i++) expect(await outcome(t.login(await t.assertion()))).toBe('ok');
    t.store.passkeys.get(t.passkey.id)!.counter = 5;
    t.answer.next = { newCounter: 6, userVerified: true, backedUp: false };
    expect(await outcome(t.login(await t.assertion()))).toBe('ok');
    expect(t.store.passkeys.get(t.passkey.id)!.counter).toBe(6);
    // The same counter again: a copy of the key somewhere.
    expect(await outcome(t.login(await t.assertion()))).toBe('passkey_login_failed');
    expect(t.store.passkeys.get(t.passkey.id)!.cloneSuspectedAt).toBeDefined();
    expect(t.events.map((e) => e.event)).toContain('passkey_clone_suspected');
    t.answer.next = { newCounter: 100, userVerified: true, backedUp: false };
    expect(await outcome(t.login(await t.assertion()))).toBe('passkey_login_failed');
  });

  test('two logins of one passkey at once: one session; the other a plain refusal, nothing flagged', async () => {
    const t = await setup();
    t.store.passkeys.get(t.passkey.id)!.counter = 5;
    t.answer.next = { newCounter: 6, userVerified: true, backedUp: false };
    const [a, b] = [await t.assertion(), await t.assertion()];
    const results = await Promise.all([outcome(t.login(a)), outcome(t.login(b))]);
    expect(results.sort()).toEqual(['ok', 'passkey_login_failed']);
    expect(t.store.passkeys.get(t.passkey.id)!.cloneSuspectedAt).toBeUndefined();
    expect(t.store.sessions.size).toBe(1);
    const refused = t.events.find((e) => e.event === 'login_failed');
    expect(refused?.fields.reason).toBe('verification_failed');
  });

  test('user verification: with it two factors; without it one, and the MFA step for a user with TOTP on', async () => {
    const t = await setup();
    const uv = await t.login(await t.assertion());
    expect(t.store.sessions.get(uv.sid)!.amr).toEqual(['hwk', 'user', 'mfa']);
    t.answer.next = { newCounter: 0, userVerified: false, backedUp: true };
    const one = await t.login(await t.assertion());
    expect(t.store.sessions.get(one.sid)!.amr).toEqual(['hwk']);
    const cipher = mfaCipher({ mfaKey: 'm'.repeat(40) });
    Object.assign(t.store.users.get('ann')!, { totp: await cipher.encrypt(Buffer.alloc(20)), totpEnabledAt: 1 });
    expect(await outcome(t.login(await t.assertion()))).toBe('mfa_required');
    const [pending] = [...t.store.pending.values()];
    expect(pending).toEqual(expect.objectContaining({ username: 'ann', firstFactor: 'passkey', amr: ['hwk'] }));
    // The IP's place is held until the second factor succeeds (the earlier logins gave theirs back).
    expect(pending.place?.ip).toBe(meta.sourceIp);
    expect(t.store.throttles.get(`ip:${meta.sourceIp}`)?.failures).toBe(1);
  });

  test('a removed user’s passkey does not open a later user of the name', async () => {
    const t = await setup();
    await t.store.deleteUser('ann');
    await t.store.putUser(
      { username: 'ann', passwordHash: 'x', disabled: false, createdAt: 1, userHandle: 'h-new-ann' },
      { overwrite: false },
    );
    expect(await outcome(t.login(await t.assertion()))).toBe('unknown_passkey');
    expect(t.store.sessions.size).toBe(0);
  });

  test('failures count in the source IP’s places only: it locks, the username’s password logins do not', async () => {
    const t = await setup();
    // Successes give their place back: any number of them.
    for (let i = 0; i < 5; i++) expect(await outcome(t.login(await t.assertion()))).toBe('ok');
    let failures = 0;
    while ((await outcome(t.login(await t.assertion('nobody')))) === 'unknown_passkey') failures++;
    expect(failures).toBeGreaterThanOrEqual(lockout.ipMaxFailures);
    expect(failures).toBeLessThanOrEqual(lockout.ipMaxFailures + 1); // the place the last one took included
    expect(await outcome(t.login(await t.assertion()))).toBe('login_locked');
    expect(t.store.throttles.get('u:ann')).toBeUndefined();
    // From another address the user's password works: a stranger cannot lock them out through passkeys.
    expect(await outcome(t.auth.login('ann', 'pw', { sourceIp: '203.0.113.7' }))).toBe('ok');
    expect(await outcome(t.login(await t.assertion(t.passkey.id, { sourceIp: '203.0.113.7' })))).toBe('ok');
  });
});
