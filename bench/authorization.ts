/**
 * The authorization server's fixtures for the benchmark (docs/authorization-server.md): per run, the
 * single-use inputs its invocations consume, written into the table as the flow before them would
 * leave them. One browser (its `authz` cookie) owns every pending authorization; a hosted login's
 * pending one is fresh, a consent's has its user; the MFA step's users each have TOTP on and a pending
 * MFA step holding the first factor's places (taken by the real limiter); codes are valid and their
 * verifiers known; SSO sessions are the hosted login's items with their browser cookies.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AttemptLimiter } from '../functions/core/attempts';
import type { AuthorizationRequest } from '../functions/core/authorization';
import type { AuthorizedUser } from '../functions/core/authorization-ports';
import { loadConfig } from '../functions/core/config';
import { newOneTimeToken } from '../functions/core/one-time-tokens';
import { newSessionRecord } from '../functions/core/session-start';
import { browserHashOf, newBrowserBinding, newSsoSecret, ssoCookieValue } from '../functions/core/sso';
import { newId } from '../functions/core/tokens';
import { totpCode, totpStep } from '../functions/core/totp';
import { newCode } from '../functions/core/authorization';
import { DynamoAuthorizationStore } from '../functions/store/authorization-store';
import type { DynamoStore } from '../functions/store/dynamo-store';
import { mfaCipher } from '../functions/store/mfa-key';
import { hashPassword } from '../functions/core/passwords';
import { BENCH_APP, BENCH_THIRD, type RouteName, TABLE_NAME } from './settings';

/** The source IP of every bench event (bench/events.mjs): the MFA step's first factor took its place there. */
const BENCH_IP = '198.51.100.1';
const TEN_MINUTES = 600_000;
const LIFETIMES = { refreshTokenTtl: 604_800, sessionMaxSeconds: 2_592_000 };
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export async function seedAuthorization(
  store: DynamoStore,
  doc: DynamoDBDocumentClient,
  { username, password, mfaKey }: { username: string; password: string; mfaKey: string },
) {
  /**
   * A user of the plan's own (with the bench password), as the passkey logins have: the sessions its
   * invocations start are listed from none, as the essential work's are (the cap's query reads them).
   */
  const passwordHash = await hashPassword(password, 10);
  const ownUser = async (prefix: string) => {
    const name = `${prefix}-${randomBytes(6).toString('hex')}`;
    await store.putUser({ username: name, passwordHash, disabled: false, createdAt: Date.now() }, { overwrite: false });
    return name;
  };
  const authorizations = new DynamoAuthorizationStore(doc, TABLE_NAME, store);
  const browser = newBrowserBinding();
  const request = (client: { id: string; redirectUri: string }): AuthorizationRequest => ({
    clientId: client.id,
    redirectUri: client.redirectUri,
    codeChallenge: s256(randomBytes(32).toString('base64url')),
    scope: ['openid'],
    state: 'bench',
  });
  /** `n` pending authorizations of this browser (a consent's: for the third-party client, its user set). */
  async function pending(n: number, user?: AuthorizedUser): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      const id = newId();
      await authorizations.putPendingAuthorization({
        id,
        request: request(user ? BENCH_THIRD : BENCH_APP),
        browserHash: browserHashOf(browser),
        createdAt: now,
        expiresAt: now + TEN_MINUTES,
        ...(user ? { user } : {}),
      });
      ids.push(id);
    }
    return ids;
  }
  const authorizedUser = async (name = username): Promise<AuthorizedUser> => {
    const user = (await store.getUser(name))!;
    return {
      username: name,
      authAt: Date.now(),
      amr: ['pwd'],
      ...(user.credentialVersion !== undefined ? { credentialVersion: user.credentialVersion } : {}),
      ...(user.globalGeneration !== undefined ? { globalGeneration: user.globalGeneration } : {}),
    };
  };
  /**
   * `n` valid codes of bench-app for the bench user, with their verifiers. Valid ten minutes rather
   * than 60 s: a warm run's codes are all made before it starts (the rule checked is the same).
   */
  async function codes(n: number) {
    const user = await authorizedUser(await ownUser('bench-code'));
    const out: { code: string; verifier: string }[] = [];
    for (let i = 0; i < n; i++) {
      const { code, hash } = newCode();
      const verifier = randomBytes(32).toString('base64url');
      const now = Date.now();
      await authorizations.putCode({
        hash,
        clientId: BENCH_APP.id,
        redirectUri: BENCH_APP.redirectUri,
        codeChallenge: s256(verifier),
        scope: ['openid'],
        nonce: 'bench',
        ...user,
        issuedAt: now,
        codeExpiresAt: now + TEN_MINUTES,
      });
      out.push({ code, verifier });
    }
    return out;
  }
  /** `n` SSO sessions of the bench user, as hosted logins leave them, and their browsers' cookies. */
  async function ssoCookies(n: number): Promise<string[]> {
    const user = (await store.getUser(username))!;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const { secret, secretHash } = newSsoSecret();
      const session = newSessionRecord(user, Date.now(), { sso: { secretHash } }, LIFETIMES);
      await store.putSession(session);
      out.push(ssoCookieValue(session.sid, secret));
    }
    return out;
  }
  const cipher = mfaCipher({ mfaKey });
  const limiter = new AttemptLimiter(store, loadConfig({ ...process.env, TABLE_NAME }, { needsKeys: false }).lockout);
  /**
   * `n` users with TOTP on (each used once: a code's step is then used up), each with a pending MFA
   * step of the hosted family for bench-app, as its password login left it, and the current code.
   */
  async function mfaSteps(n: number) {
    const out: { mfaToken: string; code: string }[] = [];
    for (let i = 0; i < n; i++) {
      const name = await ownUser('bench-mfa');
      const secret = randomBytes(20);
      const sealed = await cipher.encrypt(secret);
      const at = Date.now();
      await store.setTotpPending(name, { ...sealed, createdAt: at });
      const credentialVersion = newId();
      const step = totpStep(at) - 2;
      const change = { pendingCreatedAt: at, secret: sealed, step, recoveryCodes: {}, at, credentialVersion };
      if (!(await store.enableTotp(name, change))) throw new Error('bench: TOTP could not be enabled');
      const reservation = await limiter.reserve({ username: name, ip: BENCH_IP });
      if (!('place' in reservation)) throw new Error('bench: the MFA fixture was refused a place');
      const { token, hash } = newOneTimeToken();
      await store.putPendingMfa({
        hash,
        username: name,
        family: 'hosted',
        clientId: BENCH_APP.id,
        credentialVersion,
        firstFactor: 'password',
        amr: ['pwd'],
        place: reservation.place,
        expiresAt: at + TEN_MINUTES,
      });
      out.push({ mfaToken: token, code: totpCode(secret, totpStep(Date.now())) });
    }
    return out;
  }

  return {
    browser,
    /** The single-use inputs of `n` invocations of `route` (none for the routes that need none). */
    async plan(route: RouteName, n: number) {
      if (route === 'hosted-password') return { pending: await pending(n), username: await ownUser('bench-hosted') };
      if (route === 'hosted-passkey') return { pending: await pending(n) };
      if (route === 'hosted-mfa') return { pending: await pending(n), mfaSteps: await mfaSteps(n) };
      if (route === 'consent') return { pending: await pending(n, await authorizedUser()) };
      if (route === 'sso-logout') return { ssoCookies: await ssoCookies(n) };
      if (route === 'code-grant') return { codes: await codes(n) };
      return {};
    },
  };
}
