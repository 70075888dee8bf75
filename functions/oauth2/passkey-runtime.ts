/**
 * The passkey grant's service: the passkey login's own (functions/passkeys/verify-runtime.ts). The
 * WebAuthn library is imported there dynamically, when a passkey grant first verifies an assertion,
 * so the password and refresh grants never evaluate it (docs/performance.md); the bundle carries it.
 */
export { passkeys } from '../passkeys/verify-runtime';
