/**
 * The composition root of the OAuth endpoints. Today they are the session routes in RFC 6749's wire
 * format, so they build on the sessions' root: the same AuthService (sessions, rotation, the
 * lockout's places, audit) and the same configuration (docs/architecture.md "Layout").
 */
export { auth, config } from '../sessions/runtime';

/**
 * The MFA service of the MFA grant: the MFA routes' own, which loads `otpauth` when a code is first
 * checked and reads the MFA key then, so the password and refresh grants never pay for either
 * (docs/performance.md "Where a cold start's time goes"). A static import: a dynamic one would make
 * esbuild wrap every module behind it, shared ones included, and keep ~50 KB it now shakes out.
 */
export { mfa } from '../mfa/runtime';
