import { AccountService } from '../core/accounts';
import { audit } from '../http/logger';
import { auth, housekeepingFailed, passwords, store } from '../sessions/runtime';

export { config } from '../sessions/runtime';

/**
 * The composition root of the password change: the session routes' root (sessions/runtime.ts) plus
 * the account service, kept apart from that root because it carries the password policy and its
 * common-password list, which the functions that never set a password must not bundle.
 */
export const accounts = new AccountService(
  store,
  auth,
  passwords,
  audit,
  housekeepingFailed('password_cleanup_failed'),
);
