/** The browser client's core entry (docs/browser-client.md); passkeys and OAuth are entries of their own. */
export { AuthClient, AuthError, createAuthClient } from './client';
export type { ClientOptions, MfaChallenge, Platform, Session } from './client';
