import { PASSKEY_LOGIN_TABLE, type Route, SESSION_AND_USER, type TableAccess, unionOf } from '../route-access';

/**
 * The passkey rows of the route table (docs/passkeys.md). They exist only with a relying party
 * (WEBAUTHN_RP_ID; the dev server's is `localhost`). Each row's table access is exactly what its
 * function does.
 */

/** A user's passkeys: their ids through the index (keys only), then the items. */
const USER_PASSKEYS: TableAccess = { Query: ['PASSKEYS#'], BatchGetItem: ['PASSKEY#'] };

/** The caller of a Bearer route: the session and user (and the lever's item) in one read. */
const CALLER: TableAccess = { BatchGetItem: SESSION_AND_USER };

/** A new credential version (a passkey deleted): the caller's session moves to it, the others end. */
const CREDENTIAL_CHANGE: TableAccess = {
  UpdateItem: ['SESSION#', 'USER#'],
  Query: ['USER#'],
  DeleteItem: ['SESSION#'],
};

export const PASSKEY_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/auth/passkeys/register/options',
    name: 'passkeys-register-options',
    handler: 'passkeys/register-options',
    description: 'Options to register a passkey (recent login): a challenge, the user handle, the passkeys to exclude',
    table: unionOf(CALLER, USER_PASSKEYS, { UpdateItem: ['USER#'], PutItem: ['WEBAUTHN#'] }),
    // The user handle, made at the first registration (conditional on the user existing).
    user: { writes: ['userHandle'] },
    keys: ['public'],
    needs: 'passkeys',
  },
  {
    method: 'POST',
    path: '/auth/passkeys/register/verify',
    name: 'passkeys-register-verify',
    handler: 'passkeys/register-verify',
    description: 'Register a passkey from the authenticator’s response (recent login)',
    // The challenge used up (put back when a later write fails), the passkey stored.
    table: { ...CALLER, DeleteItem: ['WEBAUTHN#'], PutItem: ['WEBAUTHN#', 'PASSKEY#'] },
    keys: ['public'],
    needs: 'passkeys',
  },
  {
    method: 'POST',
    path: '/auth/passkeys/login/options',
    name: 'passkeys-login-options',
    handler: 'passkeys/login-options',
    description: 'Options to log in with a passkey: a challenge; a named user’s passkeys, else none (discoverable)',
    table: { ...USER_PASSKEYS, PutItem: ['WEBAUTHN#'] },
    keys: [],
    needs: 'passkeys',
  },
  {
    method: 'POST',
    path: '/auth/passkeys/login/verify',
    name: 'passkeys-login-verify',
    handler: 'passkeys/login-verify',
    description: 'Log in with a passkey: answered as POST /auth/token (or MFA required without user verification)',
    table: PASSKEY_LOGIN_TABLE,
    keys: ['refresh', 'signing'],
    needs: 'passkeys',
  },
  {
    method: 'GET',
    path: '/auth/passkeys',
    name: 'passkeys-list',
    handler: 'passkeys/list',
    description: 'The caller’s passkeys, newest first',
    table: unionOf(CALLER, USER_PASSKEYS),
    keys: ['public'],
    needs: 'passkeys',
  },
  {
    method: 'PATCH',
    path: '/auth/passkeys/{id}',
    name: 'passkeys-rename',
    handler: 'passkeys/rename',
    description: 'Rename one of the caller’s passkeys',
    table: { ...CALLER, UpdateItem: ['PASSKEY#'] },
    keys: ['public'],
    needs: 'passkeys',
  },
  {
    method: 'DELETE',
    path: '/auth/passkeys/{id}',
    name: 'passkeys-delete',
    handler: 'passkeys/delete',
    description: 'Delete one of the caller’s passkeys (recent login); every other session ends',
    // Deleted, and put back if the credential change fails.
    table: unionOf(CALLER, CREDENTIAL_CHANGE, { DeleteItem: ['PASSKEY#'], PutItem: ['PASSKEY#'] }),
    user: { writes: ['credentialVersion', 'disabled'] },
    // The public keys verify the caller; the refresh secret signs its session's new refresh token.
    keys: ['public', 'refresh'],
    needs: 'passkeys',
  },
];
