import {
  IP_COUNT,
  LOGIN_TABLE,
  LOGIN_USER,
  MFA_VERIFY_TABLE,
  MFA_VERIFY_USER,
  PASSKEY_LOGIN_TABLE,
  type Route,
  SESSION_AND_USER,
  type TableAccess,
  unionOf,
} from '../route-access';

/**
 * The authorization server's rows of the route table (docs/authorization-server.md). The pages'
 * functions read the client and the pending authorization, and end in a code (its item first, then
 * the pending authorization used up; a lost race deletes the code) or the consent page.
 */

/** A live SSO session behind the browser's cookie: the session, then its user with the lever's item. */
const SSO_READ: TableAccess = { GetItem: ['SESSION#'], BatchGetItem: ['USER#', 'GLOBAL#'] };

/** Where a hosted login ends: the pending authorization read, its user recorded (consent due) or used up. */
const HOSTED_END: TableAccess = {
  GetItem: ['AUTHZ#', 'CLIENT#'],
  UpdateItem: ['AUTHZ#'],
  DeleteItem: ['AUTHZ#', 'CODE#'],
  PutItem: ['CODE#'],
};

/** The code's redemption at /oauth2/token: read, marked used (or unmarked), a replay's session ended. */
export const CODE_REDEMPTION_TABLE: TableAccess = {
  GetItem: ['CODE#'],
  UpdateItem: ['CODE#'],
  BatchGetItem: ['USER#', 'GLOBAL#'],
  DeleteItem: ['SESSION#'],
};

export const OAUTH2_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/oauth2/authorize',
    name: 'oauth2-authorize',
    handler: 'oauth2/authorize',
    description: 'OAuth 2.1 authorization endpoint: code with PKCE; the hosted login or consent page, or a 303',
    // The client; the SSO session; the pending authorization, or a code at once.
    table: unionOf(SSO_READ, { GetItem: ['CLIENT#'], PutItem: ['AUTHZ#', 'CODE#'] }),
    // None is used; the sessions' configuration asks for a key source, and the public key set is harmless.
    keys: ['public'],
  },
  {
    method: 'POST',
    path: '/oauth2/login/password',
    name: 'oauth2-login-password',
    handler: 'oauth2/login-password',
    description: 'The hosted login page: username and password (an SSO session, then the code or consent)',
    table: unionOf(LOGIN_TABLE, HOSTED_END, { PutItem: ['MFA#'] }),
    user: LOGIN_USER,
    // The refresh secret keys the pseudonym of a username that is no user (as /auth/token logs it).
    keys: ['refresh'],
    logsIn: true,
  },
  {
    method: 'POST',
    path: '/oauth2/login/mfa',
    name: 'oauth2-login-mfa',
    handler: 'oauth2/login-mfa',
    description: 'The hosted code page: a TOTP or recovery code for the pending login',
    table: unionOf(MFA_VERIFY_TABLE, HOSTED_END),
    user: MFA_VERIFY_USER,
    keys: ['refresh', 'mfa'],
  },
  {
    method: 'POST',
    path: '/oauth2/login/passkey',
    name: 'oauth2-login-passkey',
    handler: 'oauth2/login-passkey',
    description: "The hosted login page's passkey: the assertion its script made",
    table: unionOf(PASSKEY_LOGIN_TABLE, HOSTED_END),
    keys: ['refresh'],
    needs: 'passkeys',
  },
  {
    method: 'POST',
    path: '/oauth2/consent',
    name: 'oauth2-consent',
    handler: 'oauth2/consent',
    description: 'The consent page: allow (the code) or deny (access_denied)',
    table: { GetItem: ['AUTHZ#', 'CLIENT#'], PutItem: ['CODE#'], DeleteItem: ['AUTHZ#', 'CODE#'] },
    keys: ['public'],
  },
  {
    method: 'GET',
    path: '/oauth2/logout',
    name: 'oauth2-logout',
    handler: 'oauth2/logout',
    description: 'OIDC RP-initiated logout: ends the browser’s SSO session; 303 to a registered URI',
    table: unionOf(SSO_READ, { GetItem: ['CLIENT#'], DeleteItem: ['SESSION#'] }),
    // The public keys check an id_token_hint.
    keys: ['public'],
  },
  {
    method: 'POST',
    path: '/oauth2/register',
    name: 'oauth2-register',
    handler: 'oauth2/register',
    description: 'Dynamic client registration (RFC 7591): a public, third-party, unverified client',
    // The source IP's hourly count of registrations; the new client.
    table: { ...IP_COUNT, PutItem: ['THROTTLE_IP#', 'CLIENT#'] },
    keys: [],
    needs: 'dcr',
  },
  {
    method: 'GET',
    path: '/oauth2/userinfo',
    name: 'oauth2-userinfo',
    handler: 'oauth2/userinfo',
    description: 'OpenID Connect userinfo: sub, and the profile and email claims the token’s scope grants',
    table: { BatchGetItem: SESSION_AND_USER },
    keys: ['public'],
  },
  {
    method: 'POST',
    path: '/oauth2/userinfo',
    name: 'oauth2-userinfo-post',
    handler: 'oauth2/userinfo-post',
    description: 'OpenID Connect userinfo (POST, the same answer)',
    table: { BatchGetItem: SESSION_AND_USER },
    keys: ['public'],
  },
];
