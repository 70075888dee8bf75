import { AuthService } from '../core/auth';
import { loadConfig } from '../core/config';
import { PasswordChecker } from '../core/passwords';
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
export const store = new DynamoStore(createDocumentClient(), config.tableName);
const tokens = new TokenService(tokenKeys(config), config);
export { housekeepingFailed };
export const passwords = new PasswordChecker(config.bcryptCost);
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
