import { createHash } from 'node:crypto';
import type { CounterSubject, ThrottleSubject } from '../core/ports';

/** The one table's key and attribute names, shared by the store, the local bootstrap and the CDK stack. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  userSessionsIndex: 'gsi1',
  indexPartitionKey: 'gsi1pk',
  indexSortKey: 'gsi1sk',
} as const;

export const userKey = (username: string) => ({ pk: `USER#${username}`, sk: 'PROFILE' });
export const sessionKey = (sid: string) => ({ pk: `SESSION#${sid}`, sk: 'SESSION' });
export const throttleKey = (subject: ThrottleSubject) =>
  subject.kind === 'user'
    ? { pk: `THROTTLE#${subject.username}`, sk: 'THROTTLE' }
    : { pk: `THROTTLE_IP#${subject.ip}`, sk: 'THROTTLE' };
/**
 * A username's look-alike claim: keyed by the SHA-256 of its confusable skeleton (a fixed size, whatever
 * the name expands to), holding the `username` that has it.
 */
export const nameKey = (skeleton: string) => ({
  pk: `NAME#${createHash('sha256').update(skeleton, 'utf8').digest('base64url')}`,
  sk: 'NAME',
});
/** A pending MFA step, keyed by the SHA-256 of its token: the token itself is never stored. */
export const pendingMfaKey = (hash: string) => ({ pk: `MFA#${hash}`, sk: 'MFA' });
/** A passkey, keyed by its credential id (base64url); listed per user on the index under `PASSKEYS#<username>`. */
export const passkeyKey = (id: string) => ({ pk: `PASSKEY#${id}`, sk: 'PASSKEY' });
export const passkeysIndexKey = (username: string) => `PASSKEYS#${username}`;
/** A WebAuthn challenge, keyed by itself (32 random bytes): the response names it. */
export const challengeKey = (challenge: string) => ({ pk: `WEBAUTHN#${challenge}`, sk: 'CHALLENGE' });
/** An OAuth client of the registry (docs/authorization-server.md "Clients"). */
export const clientKey = (id: string) => ({ pk: `CLIENT#${id}`, sk: 'CLIENT' });
/** A pending authorization, keyed by its id (128 random bits; docs/authorization-server.md). */
export const authorizationKey = (id: string) => ({ pk: `AUTHZ#${id}`, sk: 'AUTHZ' });
/** An authorization code, keyed by its SHA-256: the code itself is never stored. */
export const codeKey = (hash: string) => ({ pk: `CODE#${hash}`, sk: 'CODE' });
/** A one-time token, keyed by the SHA-256 of the token: the token itself is never stored. */
export const oneTimeTokenKey = (hash: string) => ({ pk: `OTT#${hash}`, sk: 'OTT' });
/**
 * The account routes' counts live beside the login's failure counts, under the same partition (and
 * so the same grants' prefixes), with a sort key of their own: they never lock anyone out of a login.
 */
export const counterKey = (subject: CounterSubject) =>
  subject.kind === 'ip'
    ? { pk: `THROTTLE_IP#${subject.ip}`, sk: `COUNT#${subject.scope}` }
    : { pk: `THROTTLE#${subject.username}`, sk: `COUNT#${subject.scope}` };
/**
 * The one item every session check reads beside the session and the user: `sessionsValidAfter` for
 * every user at once (the emergency lever, docs/operations.md "Runbook"). Absent until the lever is first pulled.
 */
export const everySessionKey = { pk: 'GLOBAL#sessions', sk: 'EPOCH' } as const;

/**
 * Every attribute each item kind has, by the prefix of its partition key: what the grants' `dynamodb:Attributes`
 * conditions allow (lib/table-grants.ts) and what the reads project. The key attributes are in every
 * list (IAM needs them named), the sessions index's keys only where session items are written or the index read.
 */
export const KEY_ATTRIBUTES = [TABLE.partitionKey, TABLE.sortKey] as const;
export const INDEX_KEY_ATTRIBUTES = [TABLE.indexPartitionKey, TABLE.indexSortKey] as const;
/** A user as every function that checks a session reads it: never the password hash. */
export const USER_PROFILE_ATTRIBUTES = [
  'username',
  'email',
  'fullName',
  'disabled',
  'createdAt',
  'sessionsValidAfter',
  'credentialVersion',
  'emailVerified',
  // Whether logins need a second factor (MFA is on exactly while it is set): every login reads it.
  'totpEnabledAt',
  // The WebAuthn user handle (not secret): a passkey login compares it with the passkey's.
  'userHandle',
] as const;
export const PASSWORD_HASH_ATTRIBUTE = 'passwordHash';
/**
 * The second factor's secrets and state, read only by the functions that set up or check a code
 * (`UserAccess.readsSecondFactor`): the encrypted TOTP secret, a pending setup, the replay guard's
 * last step, the recovery codes' hashes (docs/mfa.md).
 */
export const SECOND_FACTOR_ATTRIBUTES = [
  'totp',
  'totpPending',
  'totpLastStep',
  'recoveryCodes',
  'recoverySetAt',
] as const;
export const ITEM_ATTRIBUTES = {
  'USER#': [...USER_PROFILE_ATTRIBUTES, PASSWORD_HASH_ATTRIBUTE, ...SECOND_FACTOR_ATTRIBUTES],
  'SESSION#': [
    'sid',
    'username',
    'jti',
    'prevJti',
    'rotatedAt',
    'olderJtis',
    'createdAt',
    'lastUsedAt',
    TABLE.ttlAttribute,
    'absoluteExpiresAt',
    'credentialVersion',
    'clientId',
    'globalGeneration',
    'authAt',
    'amr',
    'scope',
    'clientRegistered',
    'thirdParty',
    'kind',
    'ssoHash',
  ],
  'THROTTLE#': ['failures', 'lockedUntil', 'windowStart', TABLE.ttlAttribute, 'lastWrite'],
  'THROTTLE_IP#': ['failures', 'lockedUntil', 'windowStart', TABLE.ttlAttribute, 'lastWrite'],
  'OTT#': ['hash', 'kind', 'username', TABLE.ttlAttribute, 'credentialVersion', 'email'],
  'GLOBAL#': ['generation', 'sessionsValidAfter'],
  'NAME#': ['username'],
  'MFA#': [
    'hash',
    'username',
    'family',
    'clientId',
    'credentialVersion',
    'firstFactor',
    'amr',
    'place',
    TABLE.ttlAttribute,
  ],
  'PASSKEY#': [
    'id',
    'username',
    'userHandle',
    'publicKey',
    'alg',
    'counter',
    'transports',
    'aaguid',
    'backupEligible',
    'backedUp',
    'uvAtCreation',
    'name',
    'createdAt',
    'lastUsedAt',
    'cloneSuspectedAt',
  ],
  'WEBAUTHN#': ['challenge', 'ceremony', 'username', 'sid', 'userHandle', TABLE.ttlAttribute],
  'CLIENT#': [
    'clientId',
    'type',
    'name',
    'secretHashes',
    'redirectUris',
    'postLogoutRedirectUris',
    'grantTypes',
    'scopes',
    'defaultScopes',
    'firstParty',
    'source',
    'createdAt',
  ],
  'AUTHZ#': ['id', 'request', 'browserHash', 'createdAt', 'user', TABLE.ttlAttribute],
  'CODE#': [
    'hash',
    'clientId',
    'redirectUri',
    'codeChallenge',
    'scope',
    'nonce',
    'username',
    'credentialVersion',
    'globalGeneration',
    'authAt',
    'amr',
    'issuedAt',
    'codeExpiresAt',
    'usedAt',
    'sid',
    TABLE.ttlAttribute,
  ],
  // The index's partition of a user's passkeys: keys only, as the index holds.
  'PASSKEYS#': [],
} as const;

const withKeys = (...lists: readonly (readonly string[])[]) => [...new Set([...KEY_ATTRIBUTES, ...lists.flat()])];

/** What each read projects (table.ts `projection`): the keys, to tell items apart, and the kinds' attributes. */
export const READS = {
  session: withKeys(ITEM_ATTRIBUTES['SESSION#']),
  throttle: withKeys(ITEM_ATTRIBUTES['THROTTLE#']),
  oneTimeToken: withKeys(ITEM_ATTRIBUTES['OTT#']),
  name: withKeys(ITEM_ATTRIBUTES['NAME#']),
  userProfile: withKeys(USER_PROFILE_ATTRIBUTES),
  /** A login's one read: the user with the hash it checks, and the lever's item (never the second factor's secrets). */
  login: withKeys(USER_PROFILE_ATTRIBUTES, [PASSWORD_HASH_ATTRIBUTE], ITEM_ATTRIBUTES['GLOBAL#']),
  /** The MFA functions' read of a user: the profile and the second factor's state. */
  secondFactorUser: withKeys(USER_PROFILE_ATTRIBUTES, SECOND_FACTOR_ATTRIBUTES, ITEM_ATTRIBUTES['GLOBAL#']),
  /** The MFA functions' session check: the caller's session with the user's second-factor state, in one read. */
  sessionAndSecondFactorUser: withKeys(
    ITEM_ATTRIBUTES['SESSION#'],
    USER_PROFILE_ATTRIBUTES,
    SECOND_FACTOR_ATTRIBUTES,
    ITEM_ATTRIBUTES['GLOBAL#'],
  ),
  pendingMfa: withKeys(ITEM_ATTRIBUTES['MFA#']),
  passkey: withKeys(ITEM_ATTRIBUTES['PASSKEY#']),
  client: withKeys(ITEM_ATTRIBUTES['CLIENT#']),
  authorization: withKeys(ITEM_ATTRIBUTES['AUTHZ#']),
  code: withKeys(ITEM_ATTRIBUTES['CODE#']),
  /** A passkey login's read of its user: the profile and the lever's item, never the password hash. */
  passkeyUser: withKeys(USER_PROFILE_ATTRIBUTES, ITEM_ATTRIBUTES['GLOBAL#']),
  /** A session check's one read; the hash only for the password change, which checks the current password. */
  sessionAndUser: (passwordHash: boolean) =>
    withKeys(
      ITEM_ATTRIBUTES['SESSION#'],
      passwordHash ? [...USER_PROFILE_ATTRIBUTES, PASSWORD_HASH_ATTRIBUTE] : USER_PROFILE_ATTRIBUTES,
      ITEM_ATTRIBUTES['GLOBAL#'],
    ),
  /** The sessions index holds keys only: a user's session ids are its items' `pk`. */
  sessionIds: [TABLE.partitionKey],
} as const;
