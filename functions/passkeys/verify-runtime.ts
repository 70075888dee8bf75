import type { WebAuthnVerifier } from '../core/webauthn';
import { passkeyService } from './runtime';

export { config } from './runtime';

/**
 * The composition root of the two verify functions (register, log in): the passkey service with the
 * WebAuthn library (`@simplewebauthn/server`, via webauthn.ts), evaluated when a response is first
 * verified.
 */
let verifier: Promise<WebAuthnVerifier> | undefined;
export const loadWebAuthn = () => (verifier ??= import('./webauthn').then((m) => m.webauthnVerifier));

export const passkeys = passkeyService(loadWebAuthn);
