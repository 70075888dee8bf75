import type { StoredPasskey } from './passkey-ports';

/**
 * The WebAuthn ceremonies' rules that are ours (docs/passkeys.md): which challenge a response names,
 * the counter policy, the client data members the library leaves to us. Signatures, attestation, CBOR
 * and COSE are checked by `@simplewebauthn/server` behind the WebAuthnVerifier port
 * (functions/passkeys/webauthn.ts), never here.
 */

/** What a registration response proved, as the library decoded it: the passkey's key and flags. */
export type VerifiedRegistration = Pick<
  StoredPasskey,
  'id' | 'publicKey' | 'alg' | 'counter' | 'transports' | 'aaguid' | 'backupEligible' | 'backedUp'
> & { userVerified: boolean };

/** What an assertion proved: its counter and flags. */
export interface VerifiedAssertion {
  newCounter: number;
  userVerified: boolean;
  backedUp: boolean;
}

export interface Expected {
  challenge: string;
  origins: readonly string[];
  rpId: string;
}

/** The WebAuthn library behind a port: undefined when a response fails verification (never throws for that). */
export interface WebAuthnVerifier {
  verifyRegistration(response: unknown, expected: Expected): Promise<VerifiedRegistration | undefined>;
  /** Verified against the stored key; the counter is judged by `counterVerdict`, not by the library. */
  verifyAssertion(
    response: unknown,
    expected: Expected,
    passkey: StoredPasskey,
  ): Promise<VerifiedAssertion | undefined>;
}

/** The members of a response's `clientDataJSON` we read before the library (the challenge that names the item). */
export function clientData(response: unknown): { challenge: string; crossOrigin?: unknown } | undefined {
  const encoded = (response as { response?: { clientDataJSON?: unknown } })?.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 4096) return undefined;
  try {
    const data = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (typeof data?.challenge !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(data.challenge)) return undefined;
    return { challenge: data.challenge, crossOrigin: data.crossOrigin };
  } catch {
    return undefined;
  }
}

/**
 * WebAuthn §6.1.1: stored and presented both 0 is a passkey that never counts (synced passkeys);
 * otherwise the presented counter must exceed the stored one, or the credential may have been cloned.
 */
export function counterVerdict(stored: number, presented: number): 'ok' | 'regression' {
  if (stored === 0 && presented === 0) return 'ok';
  return presented > stored ? 'ok' : 'regression';
}

/** The user handle a response carries (discoverable credentials), if any. */
export function responseUserHandle(response: unknown): string | undefined {
  const handle = (response as { response?: { userHandle?: unknown } })?.response?.userHandle;
  return typeof handle === 'string' ? handle : undefined;
}
