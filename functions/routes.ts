import {
  CLIENT_AUTH_TABLE,
  IP_COUNT,
  LOGIN_TABLE,
  MFA_VERIFY_TABLE,
  MFA_VERIFY_USER,
  NEW_USER,
  PASSKEY_LOGIN_TABLE,
  LOGIN_USER,
  REFRESH_TABLE,
  type Route,
  SESSION_AND_USER,
  unionOf,
} from './route-access';
import { MFA_ROUTES } from './mfa/routes';
import { PASSKEY_ROUTES } from './passkeys/routes';
import { CODE_REDEMPTION_TABLE, OAUTH2_ROUTES } from './oauth2/routes';

export * from './route-access';

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/auth/token',
    name: 'token',
    handler: 'sessions/token',
    description: 'Log in with username and password',
    table: LOGIN_TABLE,
    user: LOGIN_USER,
    keys: ['refresh', 'signing'],
    logsIn: true,
  },
  {
    method: 'POST',
    path: '/oauth2/token',
    name: 'oauth2-token',
    handler: 'oauth2/token',
    description:
      'OAuth 2.0 token endpoint: password, refresh, client_credentials, MFA and passkey grants (refresh token in body)',
    // The client's authentication; every grant: the login's access, the refresh's, the MFA step's, the passkey login's.
    table: unionOf(
      CLIENT_AUTH_TABLE,
      LOGIN_TABLE,
      REFRESH_TABLE,
      MFA_VERIFY_TABLE,
      PASSKEY_LOGIN_TABLE,
      CODE_REDEMPTION_TABLE,
    ),
    user: {
      readsPasswordHash: true,
      readsSecondFactor: true,
      writes: [...(LOGIN_USER.writes ?? []), ...(MFA_VERIFY_USER.writes ?? [])],
    },
    keys: ['refresh', 'signing', 'mfa'],
    logsIn: true,
  },
  {
    method: 'POST',
    path: '/oauth2/revoke',
    name: 'oauth2-revoke',
    handler: 'oauth2/revoke',
    description: 'OAuth 2.0 token revocation (RFC 7009): ends the session of a refresh or access token',
    // The client authenticates; the session's client is read when the request names one: another may not revoke it.
    table: unionOf(CLIENT_AUTH_TABLE, { GetItem: ['SESSION#'], DeleteItem: ['SESSION#'] }),
    keys: ['refresh', 'public'],
  },
  {
    method: 'POST',
    path: '/auth/refresh',
    name: 'refresh',
    handler: 'sessions/refresh',
    description: 'New access token and rotated refresh cookie',
    table: REFRESH_TABLE,
    keys: ['refresh', 'signing'],
  },
  {
    method: 'POST',
    path: '/auth/logout',
    name: 'logout',
    handler: 'sessions/logout',
    description: 'End this session and clear the cookie',
    table: { DeleteItem: ['SESSION#'] },
    keys: ['refresh', 'public'],
  },
  {
    method: 'POST',
    path: '/auth/logout-all',
    name: 'logout-all',
    handler: 'sessions/logout-all',
    description: 'End every session of the user',
    table: {
      BatchGetItem: SESSION_AND_USER,
      // The commit point: sessionsValidAfter on the user item.
      UpdateItem: ['USER#'],
      Query: ['USER#'],
      DeleteItem: ['SESSION#'],
    },
    user: { writes: ['sessionsValidAfter'] },
    keys: ['refresh', 'public'],
  },
  {
    method: 'POST',
    path: '/auth/password',
    name: 'password-change',
    handler: 'accounts/password-change',
    description: 'Change your own password; every other session ends',
    table: {
      // The caller's session and user; the lockout's places, as a login takes them.
      BatchGetItem: SESSION_AND_USER,
      GetItem: ['THROTTLE#', 'THROTTLE_IP#'],
      // The caller's session moves to the new credential version, then the user item takes it.
      UpdateItem: ['SESSION#', 'USER#', 'THROTTLE#', 'THROTTLE_IP#'],
      PutItem: ['THROTTLE#', 'THROTTLE_IP#'],
      // A success resets the username's count; the other sessions' items are tidied away.
      DeleteItem: ['THROTTLE#', 'SESSION#'],
      Query: ['USER#'],
    },
    // It checks the current password; its write is conditional on that hash and on the user being enabled.
    user: { readsPasswordHash: true, writes: ['passwordHash', 'credentialVersion', 'disabled'] },
    // The public keys verify the caller's access token; the refresh secret signs its new refresh token.
    keys: ['refresh', 'public'],
  },
  {
    method: 'POST',
    path: '/auth/password/forgot',
    name: 'password-forgot',
    handler: 'accounts/password-forgot',
    description: 'Ask for a password reset link by email (the same answer whether or not the user exists)',
    table: IP_COUNT,
    keys: [],
    needs: 'email',
    sendsMail: true,
  },
  {
    method: 'POST',
    path: '/auth/password/reset',
    name: 'password-reset',
    handler: 'accounts/password-reset',
    description: "Set a new password with a reset link's token; every session ends",
    table: {
      // The token, read, used up (one conditional delete) and put back if the reset could not be written.
      GetItem: ['OTT#'],
      DeleteItem: ['OTT#', 'THROTTLE#', 'SESSION#'],
      PutItem: ['OTT#'],
      // The new hash and credential version; the lockout cleared; the ended sessions tidied away.
      UpdateItem: ['USER#'],
      Query: ['USER#'],
    },
    // Conditional on the user being enabled and on the credential version the link was sent under.
    user: { writes: ['passwordHash', 'credentialVersion', 'disabled'] },
    keys: [],
    needs: 'email',
  },
  {
    method: 'POST',
    path: '/auth/signup',
    name: 'signup',
    handler: 'accounts/signup',
    description: 'Create an account (only when sign-up is allowed); a verification link is sent',
    // GetItem CLIENT#: a name that is a machine client's id is taken (their tokens would share `sub`).
    table: { ...IP_COUNT, GetItem: ['THROTTLE_IP#', 'CLIENT#'], PutItem: ['THROTTLE_IP#', 'NAME#', 'USER#'] },
    user: NEW_USER,
    keys: [],
    needs: 'signup',
    sendsMail: true,
  },
  {
    method: 'POST',
    path: '/auth/email/verify',
    name: 'email-verify',
    handler: 'accounts/email-verify',
    description: "Verify an email address with a verification link's token",
    table: { GetItem: ['OTT#'], DeleteItem: ['OTT#'], PutItem: ['OTT#'], UpdateItem: ['USER#'] },
    // emailVerified, conditional on the address being the one the link was sent to.
    user: { writes: ['emailVerified', 'email'] },
    keys: [],
    needs: 'signup',
  },
  {
    method: 'POST',
    path: '/auth/email/verify/resend',
    name: 'email-verify-resend',
    handler: 'accounts/email-verify-resend',
    description: 'Ask for a new verification link (the same answer whether or not the user exists)',
    table: IP_COUNT,
    keys: [],
    needs: 'signup',
    sendsMail: true,
  },
  {
    method: 'GET',
    path: '/auth/sessions',
    name: 'sessions',
    handler: 'sessions/list',
    description: "The user's live sessions",
    table: { BatchGetItem: SESSION_AND_USER, Query: ['USER#'] },
    keys: ['public'],
  },
  {
    method: 'DELETE',
    path: '/auth/sessions/{id}',
    name: 'session-delete',
    handler: 'sessions/delete',
    description: "End one of the user's own sessions",
    table: { BatchGetItem: SESSION_AND_USER, DeleteItem: ['SESSION#'] },
    keys: ['public'],
  },
  {
    method: 'GET',
    path: '/users/me',
    name: 'me',
    handler: 'sessions/me',
    description: 'The current user',
    table: { BatchGetItem: SESSION_AND_USER },
    keys: ['public'],
  },
  ...MFA_ROUTES,
  ...PASSKEY_ROUTES,
  ...OAUTH2_ROUTES,
  {
    method: 'GET',
    path: '/.well-known/openid-configuration',
    name: 'openid-configuration',
    handler: 'keys/openid-configuration',
    description: 'Authorization server metadata (RFC 8414) where JWT authorizers look: the issuer, its keys, endpoints',
    table: {},
    keys: [],
  },
  {
    method: 'GET',
    path: '/.well-known/oauth-authorization-server',
    name: 'oauth2-metadata',
    handler: 'oauth2/metadata',
    description: 'Authorization server metadata (RFC 8414 §3): the same document',
    table: {},
    keys: [],
  },
  {
    method: 'GET',
    path: '/.well-known/jwks.json',
    name: 'jwks',
    handler: 'keys/jwks',
    description: 'The public keys that verify access tokens',
    table: {},
    keys: ['public'],
  },
];

/**
 * A route of a team's own, behind one of this API's authorizers (docs/http-contract.md "Protecting
 * your own routes"). The stack deploys it behind API Gateway's authorizer; the dev server serves
 * it behind a local stand-in that behaves the same.
 */
export interface ProtectedRoute {
  /** A short unique name: the function's id is made from it (`examples-jwt` -> `ExamplesJwtFunction`). */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** The handler's file from the project root, exporting `handler`. */
  entry: string;
  /**
   * `jwt`: API Gateway's JWT authorizer (no code, no table read, but a revoked session's access
   * tokens work until they expire). `session`: our Lambda authorizer, which checks the session like
   * /users/me does (a revocation takes effect at once, for one DynamoDB read per request).
   */
  authorizer: 'jwt' | 'session';
}

/**
 * The routes that exist with these settings: the email routes with a sender, the sign-up routes with
 * sign-up on, the passkey routes with a relying party (WEBAUTHN_RP_ID).
 */
export function enabledRoutes(on: {
  emailFrom?: string;
  allowSignup: boolean;
  passkeys?: boolean;
  dcr?: boolean;
}): readonly Route[] {
  return routes.filter(
    (r) =>
      !r.needs ||
      (r.needs === 'email' && on.emailFrom) ||
      (r.needs === 'signup' && on.allowSignup) ||
      (r.needs === 'passkeys' && on.passkeys) ||
      (r.needs === 'dcr' && on.dcr),
  );
}

/** Answers every request no route matches: 404, or 405 when the path exists with another method. */
export const fallbackHandler = 'not-found';

/**
 * The functions that serve no row of the route table, by name (their construct ids come from it, as
 * a route's do), with their entry files: the catch-all, the session authorizer of protected routes,
 * the signing keys' custom resource and rotation, the mail worker (it reads a queue).
 */
export const otherFunctions = {
  [fallbackHandler]: 'not-found',
  'session-authorizer': 'authorizers/session',
  'signing-keys': 'keys/signing-keys',
  'mail-worker': 'mail/worker',
  'oauth2-clients-sync': 'oauth2/clients-sync',
} as const;

/** The file, from the project root, of a route's handler or of one of the other functions. */
export const entryFile = (handler: string) => `functions/${handler}.ts`;

/** The route for a method and path, with its path parameters; or whether the path exists under other methods. */
export function matchRoute(
  method: string,
  path: string,
  table: readonly Route[] = routes,
): { route?: Route; params: Record<string, string>; pathKnown: boolean } {
  let pathKnown = false;
  for (const route of table) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    pathKnown = true;
    if (route.method === method.toUpperCase()) return { route, params, pathKnown };
  }
  return { params: {}, pathKnown };
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const m = want[i].match(/^\{(\w+)\}$/);
    if (m) {
      if (!got[i]) return undefined;
      try {
        params[m[1]] = decodeURIComponent(got[i]);
      } catch {
        return undefined; // malformed percent-encoding: no route has such a path
      }
    } else if (want[i] !== got[i]) return undefined;
  }
  return params;
}
