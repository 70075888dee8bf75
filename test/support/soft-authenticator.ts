import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software authenticator for tests that run without a browser: it makes registration responses
 * (attestation "none", an ES256 key) and assertions in WebAuthn's JSON forms, as a platform
 * authenticator would, with every flag and counter under the test's control so that the attacks
 * (another RP ID or origin, a counter going backwards, a cloned key) can be made. The server checks
 * them with @simplewebauthn/server; the browser tests use Chromium's own virtual authenticator.
 */

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

/** authenticatorData flags (WebAuthn §6.1). */
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

export interface SoftCredential {
  id: Buffer;
  key: KeyObject;
  userHandle: string;
  rpId: string;
  counter: number;
}

export interface CeremonyOptions {
  origin: string;
  /** Overrides the RP ID whose hash goes into authenticatorData (an attack). */
  rpId?: string;
  /** User verification done (default true). */
  uv?: boolean;
  /** Backup eligible and backed up (a synced passkey: counter stays 0). */
  synced?: boolean;
  crossOrigin?: boolean;
  /** The counter to report (default: the credential's counter + 1, or 0 when synced). */
  counter?: number;
  /** Leave `userHandle` out of the assertion (a non-discoverable login). */
  omitUserHandle?: boolean;
  /** Register under this credential id (and key) again: a credential stored already. */
  again?: SoftCredential;
}

function clientData(type: string, challenge: string, o: CeremonyOptions): Buffer {
  return Buffer.from(
    JSON.stringify({ type, challenge, origin: o.origin, ...(o.crossOrigin ? { crossOrigin: true } : {}) }),
  );
}

function flagsOf(o: CeremonyOptions, extra = 0): number {
  return UP | (o.uv === false ? 0 : UV) | (o.synced ? BE | BS : 0) | extra;
}

function counterBytes(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** The COSE form (RFC 9053) of an ES256 public key. */
function coseKey(key: KeyObject): Uint8Array {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const map = new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, Buffer.from(jwk.x!, 'base64url')],
    [-3, Buffer.from(jwk.y!, 'base64url')],
  ]);
  return isoCBOR.encode(map as never);
}

/** Registers a new credential for `options` (what POST /auth/passkeys/register/options returned). */
export function register(
  options: { challenge: string; rp: { id: string }; user: { id: string } },
  o: CeremonyOptions,
): { credential: SoftCredential; response: Record<string, unknown> } {
  const privateKey = o.again?.key ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const id = o.again?.id ?? randomBytes(16);
  const rpId = o.rpId ?? options.rp.id;
  const counter = o.synced ? 0 : (o.counter ?? 0);
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(id.length);
  const authData = Buffer.concat([
    sha256(rpId),
    Buffer.from([flagsOf(o, AT)]),
    counterBytes(counter),
    Buffer.alloc(16), // AAGUID: none (attestation "none")
    idLength,
    id,
    Buffer.from(coseKey(privateKey)),
  ]);
  const attestationObject = isoCBOR.encode(
    new Map<string, unknown>([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', authData],
    ]) as never,
  );
  const response = {
    id: b64u(id),
    rawId: b64u(id),
    type: 'public-key',
    clientExtensionResults: { credProps: { rk: true } },
    response: {
      clientDataJSON: b64u(clientData('webauthn.create', options.challenge, o)),
      attestationObject: b64u(attestationObject),
      transports: ['internal'],
    },
  };
  return { credential: { id, key: privateKey, userHandle: options.user.id, rpId: options.rp.id, counter }, response };
}

/** An assertion by `credential` for `challenge` (what POST /auth/passkeys/login/options returned). */
export function assert(credential: SoftCredential, challenge: string, o: CeremonyOptions): Record<string, unknown> {
  const counter = o.counter ?? (o.synced ? 0 : credential.counter + 1);
  credential.counter = Math.max(credential.counter, counter);
  const authData = Buffer.concat([sha256(o.rpId ?? credential.rpId), Buffer.from([flagsOf(o)]), counterBytes(counter)]);
  const data = clientData('webauthn.get', challenge, o);
  const signature = sign('sha256', Buffer.concat([authData, sha256(data)]), credential.key);
  return {
    id: b64u(credential.id),
    rawId: b64u(credential.id),
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64u(data),
      authenticatorData: b64u(authData),
      signature: b64u(signature),
      ...(o.omitUserHandle ? {} : { userHandle: credential.userHandle }),
    },
  };
}
