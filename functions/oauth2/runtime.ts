/**
 * The composition root of the OAuth endpoints. Today they are the session routes in RFC 6749's wire
 * format, so they build on the sessions' root: the same AuthService (sessions, rotation, the
 * lockout's places, audit) and the same configuration (docs/architecture.md "Layout").
 */
export { auth, config } from '../sessions/runtime';

/**
 * The MFA service, for the MFA grant only: loaded on its first use, so that the password and refresh
 * grants never evaluate `otpauth` or read the MFA key (docs/performance.md "Where a cold start's time goes").
 */
export const loadMfa = () => import('../mfa/runtime').then((m) => m.mfa);
