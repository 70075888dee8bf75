/**
 * The passkey routes' fixtures for the benchmark (docs/passkeys.md): a user with one registered
 * passkey, and per run the single-use inputs its invocations consume: challenges written into the
 * table with the assertions (or registration responses) a software authenticator signed over them.
 * The authenticator is the integration tests' (test/support/soft-authenticator.ts): ES256, a synced
 * passkey (counter 0, as most are), user verification done.
 */
import { randomBytes } from 'node:crypto';
import type { StoredPasskey } from '../functions/core/passkey-ports';
import { webauthnVerifier } from '../functions/passkeys/webauthn';
import type { DynamoStore } from '../functions/store/dynamo-store';
import { type SoftCredential, assert, register } from '../test/support/soft-authenticator';
import type { BenchSession } from './sessions';
import { ACCOUNT_CONTEXT, ISSUER } from './settings';

const RP_ID = ACCOUNT_CONTEXT.webauthnRpId;
const ceremony = { origin: ISSUER, synced: true };
const newChallenge = () => randomBytes(32).toString('base64url');
const newHandle = () => randomBytes(32).toString('base64url');
const FIVE_MINUTES = 300_000;

/** A registration the authenticator made over `challenge`, as the options route would have asked. */
function registration(challenge: string, userHandle: string) {
  return register({ challenge, rp: { id: RP_ID }, user: { id: userHandle } }, ceremony);
}

/** Stores a passkey as a verified registration would (the WebAuthn library reads the response). */
async function storeRegistered(store: DynamoStore, username: string, userHandle: string): Promise<SoftCredential> {
  const challenge = newChallenge();
  const { credential, response } = registration(challenge, userHandle);
  const verified = await webauthnVerifier.verifyRegistration(response, { challenge, origins: [ISSUER], rpId: RP_ID });
  if (!verified) throw new Error('bench: the software authenticator made a registration the library refused');
  const { userVerified, ...key } = verified;
  const passkey: StoredPasskey = {
    ...key,
    username,
    userHandle,
    uvAtCreation: userVerified,
    name: 'Bench passkey',
    createdAt: Date.now(),
  };
  await store.putPasskey(passkey);
  return credential;
}

export async function seedPasskeys(store: DynamoStore, username: string) {
  const userHandle = (await store.ensureUserHandle(username, newHandle()))!;
  const credential = await storeRegistered(store, username, userHandle);
  const passkeyId = credential.id.toString('base64url');

  // The essential work's fixed inputs: the library verifies the same response each time.
  const essentialChallenge = newChallenge();
  const { credential: essentialCredential, response: essentialRegistration } = registration(
    essentialChallenge,
    newHandle(),
  );
  const essentialVerified = await webauthnVerifier.verifyRegistration(essentialRegistration, {
    challenge: essentialChallenge,
    origins: [ISSUER],
    rpId: RP_ID,
  });

  return {
    passkeyId,
    essential: {
      rpId: RP_ID,
      challenge: essentialChallenge,
      registration: essentialRegistration,
      assertion: assert(essentialCredential, essentialChallenge, ceremony),
      publicKey: essentialVerified!.publicKey,
      credentialId: essentialCredential.id.toString('base64url'),
    },
    /** The single-use inputs of `n` invocations of `route` (none for the routes that need none). */
    async plan(route: string, n: number, sessions: (n: number, owner?: string) => Promise<BenchSession[]>) {
      const logins = ['passkey-login', 'oauth-passkey', 'hosted-passkey'];
      if (!logins.includes(route) && route !== 'passkey-register') return {};
      // A user of its own: its sessions (each login's) and passkeys (each registration's) start from none.
      const owner = `bench-passkey-${randomBytes(6).toString('hex')}`;
      const user = { username: owner, passwordHash: 'none', disabled: false, createdAt: Date.now() };
      await store.putUser(user, { overwrite: false });
      if (route !== 'passkey-register') {
        const handle = (await store.ensureUserHandle(owner, newHandle()))!;
        return { assertions: await this.assertions(n, await storeRegistered(store, owner, handle)) };
      }
      const [session] = await sessions(1, owner);
      return { accessToken: session.access, registrations: await this.registrations(owner, session.sid, n) };
    },
    /** `n` login challenges in the table, with an assertion of the passkey over each. */
    async assertions(n: number, signer = credential) {
      const out: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const challenge = newChallenge();
        await store.putChallenge({ challenge, ceremony: 'authentication', expiresAt: Date.now() + FIVE_MINUTES });
        out.push(assert(signer, challenge, ceremony));
      }
      return out;
    },
    /**
     * `n` registration challenges of the session `sid` of `owner` (a user of its own: every
     * registration stays, and a user holds at most 100), with a new credential's response over each.
     */
    async registrations(owner: string, sid: string, n: number) {
      const handle = (await store.ensureUserHandle(owner, newHandle()))!;
      const out: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const challenge = newChallenge();
        await store.putChallenge({
          challenge,
          ceremony: 'registration',
          username: owner,
          sid,
          userHandle: handle,
          expiresAt: Date.now() + FIVE_MINUTES,
        });
        out.push(registration(challenge, handle).response);
      }
      return out;
    },
  };
}
