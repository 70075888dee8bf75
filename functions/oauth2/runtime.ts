/**
 * The composition root of the OAuth endpoints. Today they are the session routes in RFC 6749's wire
 * format, so they build on the sessions' root: the same AuthService (sessions, rotation, the
 * lockout's places, audit) and the same configuration (docs/architecture.md "Layout").
 */
export { auth, config } from '../sessions/runtime';
