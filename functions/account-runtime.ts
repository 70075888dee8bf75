import { AccountService } from './core/accounts';
import { audit } from './http/logger';
import { auth, housekeepingFailed, passwords, store } from './runtime';

/**
 * The account services, composed apart from functions/runtime.ts: they carry the password policy and
 * its common-password list, which the functions that never set a password must not bundle.
 */
export const accounts = new AccountService(
  store,
  auth,
  passwords,
  audit,
  housekeepingFailed('password_cleanup_failed'),
);
