import { AccountMailer } from '../core/account-mail';
import { loadConfig } from '../core/config';
import type { MailQueue } from '../core/ports';
import { RecoveryService } from '../core/recovery';
import { audit, housekeepingFailed } from '../http/logger';
import { InProcessMailQueue, localMailSender } from '../mail/jobs';
import { DynamoAccountStore } from '../store/account-store';
import { createDocumentClient } from '../store/client';
import { SqsMailQueue } from '../store/mail-queue';

/**
 * The composition root of the account routes that need no token (forgot, resend, verify; reset and
 * sign-up add new-password-runtime.ts): no keys at all, and the hand-off to the mail worker
 * (SQS deployed, this process locally). No password policy here: these functions set no password.
 */
export const config = loadConfig(process.env, { needsKeys: false });
export const db = createDocumentClient();
export const accountStore = new DynamoAccountStore(db, config.tableName);

export const mailQueue: MailQueue = config.accounts.mailQueueUrl
  ? new SqsMailQueue(config.accounts.mailQueueUrl)
  : new InProcessMailQueue(() => new AccountMailer(accountStore, localMailSender, config.accounts, audit));

export const recovery = new RecoveryService(
  accountStore,
  mailQueue,
  config.lockout,
  audit,
  Date.now,
  housekeepingFailed('recovery_cleanup_failed'),
);
