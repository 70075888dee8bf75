import type { ITEM_ATTRIBUTES } from './store/schema';

/**
 * The one route table. The CDK stack makes one Lambda function and one HTTP API route per row;
 * the dev server serves the same rows with the same handlers. Paths use API Gateway's `{param}`.
 */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /**
   * The function's name, fixed once deployed: its construct id (`token` -> `TokenFunction`, which
   * `sam local invoke` takes), its log group, its alarms, its OpenAPI operationId and its event in
   * test/events/. A new route's name is its handler path with `-` for `/` (`passkeys/login-verify`
   * -> `passkeys-login-verify`); the routes from before the capability folders kept their old names.
   */
  name: string;
  /**
   * Its entry file under functions/ (without .ts), exporting `handler`: `<capability>/<route>`
   * (docs/adding-a-route.md). Moving the file renames nothing deployed.
   */
  handler: string;
  description: string;
  /**
   * The only DynamoDB actions the route's function may perform, each on the only item kinds it may
   * touch (least privilege: the stack grants exactly this, with `dynamodb:LeadingKeys` conditions).
   * Query runs on the sessions index only, whose partition key is `USER#<username>`.
   */
  table: TableAccess;
  /**
   * What it may see and change of user items (`dynamodb:Attributes`, lib/table-grants.ts):
   * without this, a user's profile is read and never its password hash, and no user attribute is
   * written. Each attribute a write sets or names in its condition is listed.
   */
  user?: UserAccess;
  /**
   * The key material the function may read (least privilege, read by the stack): `refresh`, the
   * refresh-token secret; `signing`, the private key set that signs access tokens; `public`, the
   * published key set that verifies them.
   */
  keys: readonly KeyAccess[];
  /**
   * A route that exists only with a feature on: `email` needs a sender (EMAIL_FROM; the dev server
   * always has its outbox), `signup` needs ALLOW_SIGNUP too. Without it the route is not deployed (404).
   */
  needs?: 'email' | 'signup';
  /** The route hands messages to the mail worker: it may send to the mail queue. */
  sendsMail?: boolean;
}

export type KeyAccess = 'refresh' | 'signing' | 'public';

/**
 * What a function may do with user items beyond reading a profile (a row without it: none of this).
 * The password hash is read only by the functions that check a password; each user attribute a
 * function writes, or names in a write's condition, is listed (lib/table-grants.ts).
 */
export interface UserAccess {
  readsPasswordHash?: boolean;
  writes?: readonly (typeof ITEM_ATTRIBUTES)['USER#'][number][];
}

/** A password login's user access: it checks the hash, and rehashes at the configured cost (conditional on it). */
const LOGIN_USER: UserAccess = { readsPasswordHash: true, writes: ['passwordHash'] };

/** The item kinds of the one table, by the prefix of their partition key (docs/architecture.md "Data model"). */
export type KeyPrefix = 'USER#' | 'SESSION#' | 'THROTTLE#' | 'THROTTLE_IP#' | 'OTT#' | 'GLOBAL#' | 'NAME#';
export type TableAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query';
export type TableAccess = Readonly<Partial<Record<TableAction, readonly KeyPrefix[]>>>;

/** The IAM action names of a route's table access. */
export const tableActionsOf = (access: TableAccess): string[] =>
  Object.keys(access).map((action) => `dynamodb:${action}`);

/**
 * Reading a session and its user together: what every Bearer-authenticated route does first; with
 * them, in the same request, the emergency lever's one item (`GLOBAL#sessions`).
 */
const SESSION_AND_USER: readonly KeyPrefix[] = ['SESSION#', 'USER#', 'GLOBAL#'];

/** The session authorizer of protected routes (no row of its own): it reads a session and its user, like /users/me. */
export const SESSION_AUTHORIZER_TABLE_ACCESS: TableAccess = { BatchGetItem: SESSION_AND_USER };

/**
 * A request that counts against its source IP (forgot, resend, sign-up): the bounded atomic add, the
 * re-read after a refused condition, and the put that replaces an expired window.
 */
const IP_COUNT: TableAccess = { UpdateItem: ['THROTTLE_IP#'], GetItem: ['THROTTLE_IP#'], PutItem: ['THROTTLE_IP#'] };

/**
 * The mail worker (no row of its own: it reads a queue): the user, the per-user count of messages,
 * the one-time token it makes.
 */
export const MAIL_WORKER_TABLE_ACCESS: TableAccess = {
  GetItem: ['USER#', 'THROTTLE#'],
  UpdateItem: ['THROTTLE#'],
  PutItem: ['THROTTLE#', 'OTT#'],
};

/** What a password login touches (POST /auth/token, and the password grant of /oauth2/token). */
const LOGIN_TABLE: TableAccess = {
  // The user and the lever's generation (which the new session records) in one read; the session
  // cap's reads of the user's sessions. The failure counts are written, not read, first.
  BatchGetItem: ['USER#', 'GLOBAL#', 'SESSION#'],
  // Reading a count whose conditional write was refused (a lock, a limit, a race).
  GetItem: ['THROTTLE#', 'THROTTLE_IP#'],
  // Taking and giving back places; USER# only for rehash on login, conditional on the hash checked.
  UpdateItem: ['USER#', 'THROTTLE#', 'THROTTLE_IP#'],
  // The place that sets a lock, a count replacing an expired one, the new session.
  PutItem: ['THROTTLE#', 'THROTTLE_IP#', 'SESSION#'],
  // A username's count reset by a success; sessions evicted beyond the cap.
  DeleteItem: ['THROTTLE#', 'SESSION#'],
  Query: ['USER#'],
};

/** What a refresh touches (POST /auth/refresh, and the refresh_token grant of /oauth2/token). */
const REFRESH_TABLE: TableAccess = {
  BatchGetItem: SESSION_AND_USER,
  GetItem: ['SESSION#'],
  UpdateItem: ['SESSION#'],
  DeleteItem: ['SESSION#'],
};

/** The access of a function that serves several of these flows. */
function unionOf(...accesses: TableAccess[]): TableAccess {
  const out: Partial<Record<TableAction, KeyPrefix[]>> = {};
  for (const access of accesses)
    for (const [action, prefixes] of Object.entries(access) as [TableAction, readonly KeyPrefix[]][])
      out[action] = [...new Set([...(out[action] ?? []), ...prefixes])];
  return out;
}

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
  },
  {
    method: 'POST',
    path: '/oauth2/token',
    name: 'oauth2-token',
    handler: 'oauth2/token',
    description: 'OAuth 2.0 token endpoint: password and refresh_token grants, refresh token in the body',
    // Both grants: the login's access and the refresh's.
    table: unionOf(LOGIN_TABLE, REFRESH_TABLE),
    user: LOGIN_USER,
    keys: ['refresh', 'signing'],
  },
  {
    method: 'POST',
    path: '/oauth2/revoke',
    name: 'oauth2-revoke',
    handler: 'oauth2/revoke',
    description: 'OAuth 2.0 token revocation (RFC 7009): ends the session of a refresh or access token',
    // The session's client is read when the request names one: another client may not revoke it.
    table: { GetItem: ['SESSION#'], DeleteItem: ['SESSION#'] },
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
    table: { ...IP_COUNT, PutItem: ['THROTTLE_IP#', 'NAME#', 'USER#'] },
    // The new user item, whole (a conditional put: never over an existing user).
    user: {
      writes: [
        'username',
        'passwordHash',
        'email',
        'fullName',
        'disabled',
        'createdAt',
        'credentialVersion',
        'emailVerified',
      ],
    },
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

/** The routes that exist with these settings: the email routes with a sender, the sign-up routes with sign-up on. */
export function enabledRoutes(accounts: { emailFrom?: string; allowSignup: boolean }): readonly Route[] {
  return routes.filter(
    (r) => !r.needs || (r.needs === 'email' && accounts.emailFrom) || (r.needs === 'signup' && accounts.allowSignup),
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
