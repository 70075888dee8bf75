import { type KeySet, newKeySet } from '../../functions/core/keys';
import type { TokenKeys } from '../../functions/core/tokens';
import { tokenKeys } from '../../functions/store/keys';

/** The refresh-token secret of the unit tests. */
export const UNIT_SECRET = 'unit-test-key-unit-test-key-unit-test-key';

let keySet: Promise<KeySet> | undefined;
let attackerSet: Promise<KeySet> | undefined;

/** One RSA key set per test file (generating keys takes a moment), shared by everything in it. */
export const testKeySet = (): Promise<KeySet> => (keySet ??= newKeySet(Date.now()));
/** Another key set: an attacker's keys, never published. */
export const attackerKeySet = (): Promise<KeySet> => (attackerSet ??= newKeySet(Date.now()));

/** TokenKeys over the test key set and a refresh secret, read from memory as the dev server reads them. */
export async function testTokenKeys(secret = UNIT_SECRET, set?: KeySet): Promise<TokenKeys> {
  return tokenKeys({ jwtSecret: secret, signingKeys: JSON.stringify(set ?? (await testKeySet())) });
}
