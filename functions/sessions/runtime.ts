import { AuthService } from '../core/auth';
import type { MigrationDeps } from '../core/legacy-migration';
import { loadConfig } from '../core/config';
import type { ImportedHashes, PasswordChecker, PasswordVerifier } from '../core/passwords';
import { SessionService } from '../core/sessions';
import { TokenService } from '../core/tokens';
import { createDocumentClient } from '../store/client';
import { DynamoStore } from '../store/dynamo-store';
import { tokenKeys } from '../store/keys';
import { audit, housekeepingFailed } from '../http/logger';

/**
 * The composition root of the session routes, built once per process (Lambda init): config
 * validated, one DynamoDB client, one key cache.
 * A missing or bad variable fails the init with a message naming it.
 */
export const config = loadConfig();
export const db = createDocumentClient();
export const store = new DynamoStore(db, config.tableName);
export const tokens = new TokenService(tokenKeys(config), config);
export { housekeepingFailed };
/**
 * bcryptjs is evaluated when a password is first checked: of the functions built on this root only
 * the login ones (token, the OAuth token endpoint, the password change) ever check one, and the
 * others (refresh, logout, /users/me, the authorizer, ...) should not pay for it at cold start
 * (docs/performance.md "Where a cold start's time goes"). Loaded by the first check, so a rehash
 * after it finds it there.
 */
let checker: Promise<PasswordChecker> | undefined;
let importedHashes: ImportedHashes | undefined;
const loadChecker = () =>
  (checker ??= import('../core/passwords').then(
    ({ PasswordChecker }) => new PasswordChecker(config.bcryptCost, importedHashes, config.unknownUserHash),
  ));
/**
 * The login functions (/auth/token, /oauth2/token, the hosted password page) call this at load, so
 * that users imported with another system's hashes can log in (docs/importing-users.md); the other
 * functions never bundle those verifiers.
 */
export const acceptImportedHashes = (verifiers: ImportedHashes) => {
  importedHashes = verifiers;
};
/**
 * The same functions call this with the legacy system of lazy migration, when one is configured
 * (LEGACY_MIGRATION_FUNCTION, or LEGACY_MIGRATION_URL locally): a login for a name the table does not
 * have asks it (core/legacy-migration.ts).
 */
export const acceptLegacyUsers = (migration: (deps: MigrationDeps) => AuthService['legacy']) => {
  auth.legacy = migration({ store, hash: (password) => passwords.hash(password), audit });
};
export const passwords: PasswordVerifier = {
  check: async (password, hash) => (await loadChecker()).check(password, hash),
  needsRehash: async (hash) => (await loadChecker()).needsRehash(hash),
  hash: async (password) => (await loadChecker()).hash(password),
};
export const auth = new AuthService(
  store,
  tokens,
  passwords,
  config,
  audit,
  Date.now,
  housekeepingFailed('login_housekeeping_failed'),
);
export const sessions = new SessionService(store, auth, audit, Date.now, housekeepingFailed('session_cleanup_failed'));
