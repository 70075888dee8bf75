import { AccountMailer } from './core/account-mail';
import { loadConfig } from './core/config';
import { PasswordChecker } from './core/passwords';
import type { MailQueue } from './core/ports';
import { RecoveryService } from './core/recovery';
import { SignupService } from './core/signup';
import { ServiceUnavailableError } from './core/errors';
import { audit, dependencyUnavailable, housekeepingFailed } from './http/logger';
import { InProcessMailQueue, localMailSender } from './mail-jobs';
import { DynamoAccountStore } from './store/account-store';
import { createDocumentClient } from './store/client';
import { SqsMailQueue } from './store/mail-queue';

/**
 * The composition root of the account routes that need no token (forgot, reset, sign-up, verify,
 * resend): no keys at all, the password policy, and the hand-off to the mail worker (SQS deployed,
 * this process locally).
 */
export const config = loadConfig(process.env, { needsKeys: false });
export const accountStore = new DynamoAccountStore(createDocumentClient(), config.tableName);
const passwords = new PasswordChecker(config.bcryptCost);

export const mailQueue: MailQueue = config.accounts.mailQueueUrl
  ? new SqsMailQueue(config.accounts.mailQueueUrl)
  : new InProcessMailQueue(() => new AccountMailer(accountStore, localMailSender, config.accounts, audit));

export const recovery = new RecoveryService(
  accountStore,
  mailQueue,
  passwords,
  config.lockout,
  audit,
  Date.now,
  housekeepingFailed('recovery_cleanup_failed'),
);

// The account stands when its verification message could not be queued; the user can ask for a resend.
export const signup = new SignupService(accountStore, mailQueue, passwords, config.accounts, audit, Date.now, (err) =>
  err instanceof ServiceUnavailableError
    ? dependencyUnavailable(err)
    : housekeepingFailed('verification_not_queued')(err),
);
