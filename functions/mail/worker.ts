import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AccountMailer } from '../core/account-mail';
import { accountSettings } from '../core/config';
import { ConfigError } from '../core/errors';
import { audit, logger } from '../http/logger';
import { withMetrics } from '../http/metrics';
import { withTracing } from '../http/tracing';
import { parseMailJob, runMailJob } from './jobs';
import { DynamoAccountStore } from '../store/account-store';
import { createDocumentClient } from '../store/client';
import { SesMailSender } from '../store/ses-sender';

/**
 * The mail worker (not a route): reads the jobs the account routes queued, makes each one-time token
 * and sends its link through SES. It holds no keys and no token ever reaches its queue.
 */
const settings = accountSettings();
const tableName = process.env.TABLE_NAME;
if (!tableName) throw new ConfigError('TABLE_NAME is required');
if (!settings.emailFrom) throw new ConfigError('EMAIL_FROM is required');
const mailer = new AccountMailer(
  new DynamoAccountStore(createDocumentClient(), tableName),
  new SesMailSender(settings.emailFrom),
  settings,
  audit,
);

/**
 * Each failed job is reported back on its own (partial batch response), so SQS tries it again after
 * the visibility timeout and, after the last try, moves it to the dead-letter queue.
 */
export const handler = withTracing(
  withMetrics(async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      const job = parseMailJob(record.body);
      if (!job) {
        logger.error('mail_job_malformed', { messageId: record.messageId });
        continue;
      }
      if (!(await runMailJob(mailer, job))) failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  }),
);
