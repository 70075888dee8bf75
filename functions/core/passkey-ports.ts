import type { UserRecord } from './ports';

/**
 * The persistence of passkeys and WebAuthn challenges (docs/passkeys.md), implemented by
 * functions/store/passkey-items.ts. A passkey is an item of its own (`PASSKEY#<credential id>`),
 * listed per user through the index under `PASSKEYS#<username>`; a challenge is an item used up by
 * one conditional delete.
 */

/** A registered passkey: what verifying its assertions needs, and what its owner is shown. */
export interface StoredPasskey {
  /** The credential id, base64url. */
  id: string;
  username: string;
  /** The user handle it was registered under: a later user of the same name has another. */
  userHandle: string;
  /** The COSE public key, base64url (what the WebAuthn library verifies with). */
  publicKey: string;
  alg: number;
  counter: number;
  transports: string[];
  aaguid: string;
  backupEligible: boolean;
  backedUp: boolean;
  uvAtCreation: boolean;
  name: string;
  createdAt: number;
  lastUsedAt?: number;
  /** Set when an assertion's counter went backwards: refused until its owner deletes it. */
  cloneSuspectedAt?: number;
}

export type Ceremony = 'registration' | 'authentication';

/** A challenge handed out by an options route, used by exactly one verify of its ceremony. */
export interface WebAuthnChallenge {
  /** base64url of 32 random bytes; also the item's key. */
  challenge: string;
  ceremony: Ceremony;
  /** Registration only: whose session asked, and under which user handle. */
  username?: string;
  sid?: string;
  userHandle?: string;
  /** Epoch ms; also the item's TTL. */
  expiresAt: number;
}

export interface PasskeyStore {
  /** A passkey login's read of the user: the profile with the lever's generation, never the password hash. */
  getPasskeyUser(username: string): Promise<UserRecord | undefined>;
  /** The user's handle, made from `candidate` on the first registration and kept; undefined if no such user. */
  ensureUserHandle(username: string, candidate: string): Promise<string | undefined>;
  /** The user's passkeys, newest first (through the index: one registered a moment ago may be missing). */
  listPasskeys(username: string): Promise<StoredPasskey[]>;
  getPasskey(id: string): Promise<StoredPasskey | undefined>;
  /** False when the credential id is stored already (anyone's). */
  putPasskey(passkey: StoredPasskey): Promise<boolean>;
  /** The counter and last use, on the condition that the counter is still `expected` (and no clone flag). */
  usePasskey(id: string, change: { expected: number; counter: number; at: number }): Promise<boolean>;
  flagClone(id: string, at: number): Promise<void>;
  /** The renamed passkey, or undefined when it is not the user's. */
  renamePasskey(id: string, username: string, name: string): Promise<StoredPasskey | undefined>;
  /** The deleted passkey, or undefined when it is not the user's. */
  deletePasskey(id: string, username: string): Promise<StoredPasskey | undefined>;
  /** Puts a deleted passkey back (its deletion's credential change failed). */
  restorePasskey(passkey: StoredPasskey): Promise<void>;
  /** A new credential version on an enabled user (deleting a passkey ends every other session). */
  setCredentialVersion(username: string, credentialVersion: string): Promise<boolean>;
  putChallenge(challenge: WebAuthnChallenge): Promise<void>;
  /** Deletes and returns the challenge when present and unexpired; undefined otherwise (used, expired, unknown). */
  consumeChallenge(challenge: string, now: number): Promise<WebAuthnChallenge | undefined>;
  restoreChallenge(challenge: WebAuthnChallenge): Promise<void>;
}
