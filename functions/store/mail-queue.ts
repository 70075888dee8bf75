import type { SQSClient } from '@aws-sdk/client-sqs';
import { ServiceUnavailableError } from '../core/errors';
import type { MailJob, MailQueue } from '../core/ports';
import { traceClient } from '../http/tracing';

let client: Promise<{ client: SQSClient; module: typeof import('@aws-sdk/client-sqs') }> | undefined;

/** One SQS client per process, loaded on first use; bounded like the store's, so an outage is a quick 503. */
function sqs() {
  client ??= import('@aws-sdk/client-sqs').then((module) => ({
    module,
    client: traceClient(
      new module.SQSClient({
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 500, requestTimeout: 1000, throwOnRequestTimeout: true },
      }),
    ),
  }));
  return client;
}

/**
 * The deployed hand-off to the mail worker: one SendMessage. The job names a username, never a token
 * (the worker makes it), and the queue is encrypted; what the worker cannot send ends in the
 * dead-letter queue (docs/operations.md "Runbook").
 */
export class SqsMailQueue implements MailQueue {
  constructor(private readonly queueUrl: string) {}

  async enqueue(job: MailJob): Promise<void> {
    try {
      const { client, module } = await sqs();
      await client.send(new module.SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
    } catch (cause) {
      throw new ServiceUnavailableError('queue', { cause });
    }
  }
}
