import type { ITEM_ATTRIBUTES } from './store/schema';

/*
 * The route table's types and the table accesses its rows share (functions/routes.ts holds the
 * table; each capability's rows may live in its own folder, as functions/mfa/routes.ts does).
 */

/**
 * The one route table. The CDK stack makes one Lambda function and one HTTP API route per row;
 * the dev server serves the same rows with the same handlers. Paths use API Gateway's `{param}`.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
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
   * published key set that verifies them; `mfa`, the key that encrypts TOTP secrets.
   */
  keys: readonly KeyAccess[];
  /**
   * A route that exists only with a feature on: `email` needs a sender (EMAIL_FROM; the dev server
   * always has its outbox), `signup` needs ALLOW_SIGNUP too, `passkeys` a relying party (WEBAUTHN_RP_ID; the
   * dev server's is `localhost`). Without it the route is not deployed (404).
   */
  needs?: 'email' | 'signup' | 'passkeys' | 'dcr';
  /** The route hands messages to the mail worker: it may send to the mail queue. */
  sendsMail?: boolean;
  /**
   * A password login: with lazy migration configured (context `legacyMigrationFunction`), it may
   * invoke that function and create the users it vouches for (MIGRATION_TABLE, NEW_USER).
   */
  logsIn?: boolean;
}

/** A new user's item, whole (a conditional put: never over an existing user): sign-up's, and lazy migration's. */
export const NEW_USER: UserAccess = {
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
};

/** What lazy migration adds to a login (docs/importing-users.md): the new user and its look-alike claim. */
export const MIGRATION_TABLE: TableAccess = { PutItem: ['USER#', 'NAME#'] };

export type KeyAccess = 'refresh' | 'signing' | 'public' | 'mfa';

/**
 * What a function may do with user items beyond reading a profile (a row without it: none of this).
 * The password hash is read only by the functions that check a password; each user attribute a
 * function writes, or names in a write's condition, is listed (lib/table-grants.ts).
 */
export interface UserAccess {
  readsPasswordHash?: boolean;
  /** The second factor's secrets and state (the TOTP and MFA functions only; docs/mfa.md). */
  readsSecondFactor?: boolean;
  writes?: readonly (typeof ITEM_ATTRIBUTES)['USER#'][number][];
}

/** A password login's user access: it checks the hash, and rehashes at the configured cost (conditional on it). */
export const LOGIN_USER: UserAccess = { readsPasswordHash: true, writes: ['passwordHash'] };

/** The item kinds of the one table, by the prefix of their partition key (docs/architecture.md "Data model"). */
export type KeyPrefix =
  | 'USER#'
  | 'SESSION#'
  | 'THROTTLE#'
  | 'THROTTLE_IP#'
  | 'OTT#'
  | 'GLOBAL#'
  | 'NAME#'
  | 'MFA#'
  | 'PASSKEY#'
  | 'WEBAUTHN#'
  | 'CLIENT#'
  | 'AUTHZ#'
  | 'CODE#'
  /** The index's partition of a user's passkeys (Query only). */
  | 'PASSKEYS#';
export type TableAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query';
export type TableAccess = Readonly<Partial<Record<TableAction, readonly KeyPrefix[]>>>;

/**
 * Whether a route's function may audit, and so publish events (lib/events.ts grants it PutEvents):
 * every audit follows a write (a login's attempt record, a session, a token's use), so the routes
 * that write. test/integration/event-bus.test.ts checks every event it sees came from one of them.
 */
export const publishesEvents = (route: { table: TableAccess }): boolean =>
  (['PutItem', 'UpdateItem', 'DeleteItem'] as const).some((action) => (route.table[action]?.length ?? 0) > 0);

/** The IAM action names of a route's table access. */
export const tableActionsOf = (access: TableAccess): string[] =>
  Object.keys(access).map((action) => `dynamodb:${action}`);

/**
 * Reading a session and its user together: what every Bearer-authenticated route does first; with
 * them, in the same request, the emergency lever's one item (`GLOBAL#sessions`).
 */
export const SESSION_AND_USER: readonly KeyPrefix[] = ['SESSION#', 'USER#', 'GLOBAL#'];

/** The session authorizer of protected routes (no row of its own): it reads a session and its user, like /users/me. */
export const SESSION_AUTHORIZER_TABLE_ACCESS: TableAccess = { BatchGetItem: SESSION_AND_USER };

/**
 * A request that counts against its source IP (forgot, resend, sign-up): the bounded atomic add, the
 * re-read after a refused condition, and the put that replaces an expired window.
 */
export const IP_COUNT: TableAccess = {
  UpdateItem: ['THROTTLE_IP#'],
  GetItem: ['THROTTLE_IP#'],
  PutItem: ['THROTTLE_IP#'],
};

/**
 * The mail worker (no row of its own: it reads a queue): the user, the per-user count of messages,
 * the one-time token it makes.
 */
export const MAIL_WORKER_TABLE_ACCESS: TableAccess = {
  GetItem: ['USER#', 'THROTTLE#'],
  UpdateItem: ['THROTTLE#'],
  PutItem: ['THROTTLE#', 'OTT#'],
};

/** The stack clients' custom resource (lib/clients.ts): it reads, writes and deletes client items only. */
export const CLIENTS_SYNC_TABLE_ACCESS: TableAccess = {
  GetItem: ['CLIENT#'],
  PutItem: ['CLIENT#'],
  DeleteItem: ['CLIENT#'],
};

/** The functions that serve no route, by name: their table access (none for the others). */
export const OTHER_FUNCTION_TABLE_ACCESS: Readonly<Record<string, TableAccess>> = {
  'session-authorizer': SESSION_AUTHORIZER_TABLE_ACCESS,
  'mail-worker': MAIL_WORKER_TABLE_ACCESS,
  'oauth2-clients-sync': CLIENTS_SYNC_TABLE_ACCESS,
};

/** What a password login touches (POST /auth/token, and the password grant of /oauth2/token). */
export const LOGIN_TABLE: TableAccess = {
  // The user and the lever's generation (which the new session records) in one read; the session
  // cap's reads of the user's sessions. The failure counts are written, not read, first.
  BatchGetItem: ['USER#', 'GLOBAL#', 'SESSION#'],
  // Reading a count whose conditional write was refused (a lock, a limit, a race).
  GetItem: ['THROTTLE#', 'THROTTLE_IP#'],
  // Taking and giving back places; USER# only for rehash on login, conditional on the hash checked.
  UpdateItem: ['USER#', 'THROTTLE#', 'THROTTLE_IP#'],
  // The place that sets a lock, a count replacing an expired one, the new session; or, for a user
  // with MFA on, the pending MFA step instead.
  PutItem: ['THROTTLE#', 'THROTTLE_IP#', 'SESSION#', 'MFA#'],
  // A username's count reset by a success; sessions evicted beyond the cap.
  DeleteItem: ['THROTTLE#', 'SESSION#'],
  Query: ['USER#'],
};

/** What a refresh touches (POST /auth/refresh, and the refresh_token grant of /oauth2/token). */
export const REFRESH_TABLE: TableAccess = {
  BatchGetItem: SESSION_AND_USER,
  GetItem: ['SESSION#'],
  UpdateItem: ['SESSION#'],
  DeleteItem: ['SESSION#'],
};

/** Client authentication at the OAuth endpoints: the registry's read, and a wrong secret's place in the IP's count. */
export const CLIENT_AUTH_TABLE: TableAccess = { ...IP_COUNT, GetItem: ['CLIENT#', 'THROTTLE_IP#'] };

/** The access of a function that serves several of these flows. */
export function unionOf(...accesses: TableAccess[]): TableAccess {
  const out: Partial<Record<TableAction, KeyPrefix[]>> = {};
  for (const access of accesses)
    for (const [action, prefixes] of Object.entries(access) as [TableAction, readonly KeyPrefix[]][])
      out[action] = [...new Set([...(out[action] ?? []), ...prefixes])];
  return out;
}

/** The failure counts a code attempt takes its places in (as a login's). */
export const ATTEMPT_PLACES: TableAccess = {
  GetItem: ['THROTTLE#', 'THROTTLE_IP#'],
  UpdateItem: ['THROTTLE#', 'THROTTLE_IP#'],
  PutItem: ['THROTTLE#', 'THROTTLE_IP#'],
  DeleteItem: ['THROTTLE#'],
};

/** POST /auth/mfa/verify's access, which the OAuth token endpoint's MFA grant shares. */
export const MFA_VERIFY_TABLE: TableAccess = unionOf(LOGIN_TABLE, ATTEMPT_PLACES, {
  // The pending step: read, used up, put back after a failing write.
  GetItem: ['MFA#'],
  DeleteItem: ['MFA#'],
  PutItem: ['MFA#'],
  // The replay guard's step, a recovery code's slot.
  UpdateItem: ['USER#'],
});
export const MFA_VERIFY_USER: UserAccess = {
  readsSecondFactor: true,
  writes: ['totpLastStep', 'recoveryCodes', 'recoverySetAt', 'totpEnabledAt', 'disabled'],
};

/** POST /auth/passkeys/login/verify's access, which the OAuth token endpoint's passkey grant shares. */
export const PASSKEY_LOGIN_TABLE: TableAccess = {
  // The passkey; its user with the lever's item (never the password hash); the session cap's reads.
  GetItem: ['PASSKEY#', 'THROTTLE_IP#'],
  BatchGetItem: ['USER#', 'GLOBAL#', 'SESSION#'],
  // The challenge used up; the cap's evictions.
  DeleteItem: ['WEBAUTHN#', 'SESSION#'],
  // The IP's count (taken, given back), the counter (or the clone flag).
  UpdateItem: ['THROTTLE_IP#', 'PASSKEY#'],
  // A count replacing an expired one, the new session, or the MFA step instead.
  PutItem: ['THROTTLE_IP#', 'SESSION#', 'MFA#'],
  Query: ['USER#'],
};
