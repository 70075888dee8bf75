import { PasswordResetService } from '../core/password-reset';
import { PasswordChecker } from '../core/passwords';
import { SignupService } from '../core/signup';
import { ServiceUnavailableError } from '../core/errors';
import { audit, dependencyUnavailable, housekeepingFailed } from '../http/logger';
import { accountStore, config, db, mailQueue, recovery } from './recovery-runtime';
import { DynamoClientStore } from '../store/client-store';

export { config } from './recovery-runtime';

/**
 * The account routes that set a password (reset, sign-up): they alone of the token-less account
 * routes bundle the password policy and its common-password list.
 */
const passwords = new PasswordChecker(config.bcryptCost);

export const passwordReset = new PasswordResetService(
  accountStore,
  recovery,
  passwords,
  audit,
  housekeepingFailed('recovery_cleanup_failed'),
);

// The account stands when its verification message could not be queued; the user can ask for a resend.
const clients = new DynamoClientStore(db, config.tableName);
export const signup = new SignupService(
  accountStore,
  mailQueue,
  passwords,
  config.accounts,
  audit,
  Date.now,
  (err) =>
    err instanceof ServiceUnavailableError
      ? dependencyUnavailable(err)
      : housekeepingFailed('verification_not_queued')(err),
  async (name) => (await clients.getClient(name))?.grantTypes.includes('client_credentials') === true,
);
