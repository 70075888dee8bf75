/**
 * The MFA grant's service: the MFA routes' own (functions/mfa/runtime.ts), which loads `otpauth` when a
 * code is first checked and reads the MFA key then, so the password and refresh grants never pay for
 * either. A root of its own so that the revocation endpoint, which imports ./runtime, bundles none of it.
 * The token endpoint imports it statically: a dynamic import would make esbuild wrap every module behind
 * it, shared ones included, and keep ~50 KB it now shakes out (docs/performance.md).
 */
export { mfa } from '../mfa/runtime';
