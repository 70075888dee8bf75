import { AuthService, type AuditEvent } from '../../functions/core/auth';
import { credentialChange } from '../../functions/core/credentials';
import { DomainError, MfaRequired } from '../../functions/core/errors';
import { MfaService } from '../../functions/core/mfa';
import { oneTimeTokenHash } from '../../functions/core/one-time-tokens';
import { PasswordChecker, hashPassword } from '../../functions/core/passwords';
import { TokenService } from '../../functions/core/tokens';
import { totpCode, totpStep } from '../../functions/core/totp';
import { mfaCipher } from '../../functions/store/mfa-key';
import { testTokenKeys } from '../support/keys';
import { MemoryMfaStore } from '../support/memory-mfa-store';

// The MFA step's rules on the in-memory store, with a clock the test moves (docs/mfa.md).

const settings = { issuer: 'i', audience: 'a', accessTokenTtl: 900, refreshTokenTtl: 604800, defaultClientId: 'web' };
const lockout = { maxFailures: 5, baseLockSeconds: 1, maxLockSeconds: 900, windowSeconds: 900, ipMaxFailures: 100 };
const meta = { sourceIp: '198.51.100.9' };

async function setup() {
  const store = new MemoryMfaStore();
  const events: { event: AuditEvent; fields: Record<string, unknown> }[] = [];
  let clock = Date.UTC(2026, 11, 6, 12, 0, 5);
  const now = () => clock;
  const audit = (event: AuditEvent, fields: object) => {
    events.push({ event, fields: { ...fields } });
  };
  const tokens = new TokenService(await testTokenKeys(), settings);
  const auth = new AuthService(
    store,
    tokens,
    new PasswordChecker(4),
    { ...settings, sessionMaxSeconds: 2592000, refreshReuseGraceSeconds: 10, lockout },
    audit,
    now,
  );
  const cipher = mfaCipher({ mfaKey: 'm'.repeat(40) });
  const mfa = new MfaService(
    store,
    auth,
    cipher,
    { appName: 'Test', reauthMaxAgeSeconds: 600 },
    audit,
    credentialChange(store, auth, () => undefined),
    now,
  );
  await store.putUser(
    { username: 'ann', passwordHash: await hashPassword('pw', 4), disabled: false, createdAt: 0 },
    { overwrite: false },
  );
  // TOTP on, as a confirm leaves it, with the last step used long ago.
  const secret = Buffer.from('0123456789abcdefghij');
  Object.assign(store.users.get('ann')!, { totp: await cipher.encrypt(secret), totpEnabledAt: 1, totpLastStep: 0 });
  const challenge = async (family: 'cookie' | 'oauth' = 'cookie') => {
    try {
      await auth.login('ann', 'pw', meta, { family });
    } catch (err) {
      if (err instanceof MfaRequired) return err.challenge.mfaToken;
      throw err;
    }
    throw new Error('no MFA step');
  };
  const code = (offset = 0) => totpCode(secret, totpStep(clock) + offset);
  return { store, auth, mfa, events, challenge, code, advance: (ms: number) => (clock += ms) };
}

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (e instanceof DomainError ? e.code : String(e)),
  );

describe('the MFA step', () => {
  test('a right password starts no session: the pending step holds the first factor’s places', async () => {
    const { store, challenge } = await setup();
    await challenge();
    expect(store.sessions.size).toBe(0);
    const [pending] = [...store.pending.values()];
    expect(pending).toEqual(expect.objectContaining({ username: 'ann', family: 'cookie', amr: ['pwd'] }));
    expect(pending.place?.user?.failures).toBe(1);
  });

  test('codes one step either side are accepted, two away refused (the server’s clock decides)', async () => {
    const { store, mfa, challenge, code } = await setup();
    for (const offset of [-2, 2]) {
      expect(await codeOf(mfa.verify(await challenge(), { code: code(offset) }, meta, { family: 'cookie' }))).toBe(
        'invalid_code',
      );
      store.throttles.clear(); // each refused code kept its places (and its password's): start the count again
    }
    expect(await codeOf(mfa.verify(await challenge(), { code: code(-1) }, meta, { family: 'cookie' }))).toBe('ok');
    expect(await codeOf(mfa.verify(await challenge(), { code: code(1) }, meta, { family: 'cookie' }))).toBe('ok');
    // The step after the last used is the only way forward: the current one is now behind it.
    expect(await codeOf(mfa.verify(await challenge(), { code: code(0) }, meta, { family: 'cookie' }))).toBe(
      'invalid_code',
    );
  });

  test('success gives back both steps’ places; the session records amr and authAt', async () => {
    const { store, mfa, challenge, code } = await setup();
    const issued = await mfa.verify(await challenge(), { code: code() }, meta, { family: 'cookie' });
    expect(store.throttles.get('u:ann')).toBeUndefined();
    const session = store.sessions.get(issued.sid)!;
    expect(session.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(session.authAt).toBeDefined();
  });

  test('an expired token, another family’s, or another client’s, is invalid', async () => {
    const { mfa, challenge, code, advance } = await setup();
    const cookie = await challenge('cookie');
    expect(await codeOf(mfa.verify(cookie, { code: code() }, meta, { family: 'oauth' }))).toBe('invalid_mfa_token');
    const oauth = await challenge('oauth');
    expect(await codeOf(mfa.verify(oauth, { code: code() }, meta, { family: 'oauth', clientId: 'other' }))).toBe(
      'invalid_mfa_token',
    );
    const late = await challenge();
    advance(300_001);
    expect(await codeOf(mfa.verify(late, { code: code() }, meta, { family: 'cookie' }))).toBe('invalid_mfa_token');
  });

  test('two verifies racing with one code and two tokens: one session, one replay refused', async () => {
    const { store, mfa, challenge, code } = await setup();
    const [a, b] = [await challenge(), await challenge()];
    // Both read the user (and check the code) before either writes the step.
    let reads = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((r) => (release = r));
    store.beforeOp = async (op) => {
      if (op === 'getSecondFactorUser' && ++reads === 2) release();
      if (op === 'useTotpStep') await bothRead;
    };
    const results = await Promise.all(
      [a, b].map((t) => codeOf(mfa.verify(t, { code: code() }, meta, { family: 'cookie' }))),
    );
    expect(results.sort()).toEqual(['invalid_code', 'ok']);
    expect(store.sessions.size).toBe(1);
    // The losing token was put back: it works with the next step's code.
    store.beforeOp = undefined;
    const loser = [a, b].find((t) => store.pending.has(oneTimeTokenHash(t)!))!;
    expect(store.pending.size).toBe(1);
    expect(await codeOf(mfa.verify(loser, { code: code(1) }, meta, { family: 'cookie' }))).not.toBe(
      'invalid_mfa_token',
    );
  });

  test('a wrong code keeps its places: at most LOGIN_MAX_FAILURES codes per lock period', async () => {
    const { mfa, challenge, events } = await setup();
    const token = await challenge(); // one place: the password
    const results: string[] = [];
    for (let i = 0; i < 6; i++)
      results.push(await codeOf(mfa.verify(token, { code: '000000' }, meta, { family: 'cookie' })));
    expect(results.filter((r) => r === 'invalid_code').length).toBe(4);
    expect(results.at(-1)).toBe('login_locked');
    expect(events.filter((e) => e.event === 'mfa_failed').every((e) => e.fields.reason === 'bad_code')).toBe(true);
  });

  test('a store failure on the session puts the token and the recovery code back', async () => {
    const { store, mfa, challenge } = await setup();
    const { hashRecoveryCodes, newRecoveryCodes } = await import('../../functions/core/recovery-codes');
    const codes = newRecoveryCodes();
    Object.assign(store.users.get('ann')!, { recoveryCodes: await hashRecoveryCodes(codes), recoverySetAt: 5 });
    const token = await challenge();
    store.beforeOp = (op) => {
      if (op === 'putSession') throw new Error('store down');
    };
    expect(await codeOf(mfa.verify(token, { recoveryCode: codes[4] }, meta, { family: 'cookie' }))).toBe(
      'Error: store down',
    );
    store.beforeOp = undefined;
    expect(store.pending.size).toBe(1);
    expect(await codeOf(mfa.verify(token, { recoveryCode: codes[4] }, meta, { family: 'cookie' }))).toBe('ok');
    expect(await codeOf(mfa.verify(await challenge(), { recoveryCode: codes[4] }, meta, { family: 'cookie' }))).toBe(
      'invalid_code',
    );
  });
});
