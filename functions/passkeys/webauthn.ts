import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { decodeCredentialPublicKey, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { StoredPasskey } from '../core/passkey-ports';
import { PASSKEY_ALGORITHMS } from '../core/passkeys';
import type { Expected, VerifiedAssertion, VerifiedRegistration, WebAuthnVerifier } from '../core/webauthn';

/**
 * The only importer of the WebAuthn library (a bundle test holds it to the passkey functions and
 * the OAuth token endpoint's lazy chunk): `@simplewebauthn/server` checks attestation, CBOR, COSE,
 * authenticator data and signatures. A response it refuses is `undefined`, never a 500.
 */
export const webauthnVerifier: WebAuthnVerifier = {
  async verifyRegistration(response: unknown, expected: Expected): Promise<VerifiedRegistration | undefined> {
    try {
      const out = await verifyRegistrationResponse({
        response: response as Parameters<typeof verifyRegistrationResponse>[0]['response'],
        expectedChallenge: expected.challenge,
        expectedOrigin: [...expected.origins],
        expectedRPID: expected.rpId,
        requireUserVerification: false,
        supportedAlgorithmIDs: [...PASSKEY_ALGORITHMS],
      });
      if (!out.verified) return undefined;
      const info = out.registrationInfo;
      const cose = decodeCredentialPublicKey(info.credential.publicKey);
      return {
        id: info.credential.id,
        publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
        alg: Number(cose.get(3)),
        counter: info.credential.counter,
        transports: [...(info.credential.transports ?? [])],
        aaguid: info.aaguid,
        backupEligible: info.credentialDeviceType === 'multiDevice',
        backedUp: info.credentialBackedUp,
        userVerified: info.userVerified,
      };
    } catch {
      return undefined;
    }
  },

  async verifyAssertion(
    response: unknown,
    expected: Expected,
    passkey: StoredPasskey,
  ): Promise<VerifiedAssertion | undefined> {
    try {
      const out = await verifyAuthenticationResponse({
        response: response as Parameters<typeof verifyAuthenticationResponse>[0]['response'],
        expectedChallenge: expected.challenge,
        expectedOrigin: [...expected.origins],
        expectedRPID: expected.rpId,
        // The counter is judged by our policy (core/webauthn.ts counterVerdict), which flags a clone.
        credential: {
          id: passkey.id,
          publicKey: isoBase64URL.toBuffer(passkey.publicKey),
          counter: 0,
          transports: passkey.transports as never,
        },
        requireUserVerification: false,
      });
      if (!out.verified) return undefined;
      const info = out.authenticationInfo;
      return { newCounter: info.newCounter, userVerified: info.userVerified, backedUp: info.credentialBackedUp };
    } catch {
      return undefined;
    }
  },
};
