import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAIL_WORKER_TABLE_ACCESS } from '../functions/routes';
import { acknowledgeControl } from './compliance';
import type { RouteFunction } from './route-function';

export interface MailProps {
  table: ITableV2;
  /** EMAIL_FROM: the only sender address the worker may use. */
  emailFrom: string;
  /** The SES identity it sends as (a domain or an address); its ARN is the grant's only resource. */
  emailIdentity: string;
  /** Makes the worker function (AuthApi's factory: sizing, logs, role). */
  makeWorker: (environment: Record<string, string>) => RouteFunction;
  environment: Record<string, string>;
}

/**
 * The mail worker behind the account routes (docs/accounts.md): they queue a job naming a username
 * (never a token) and answer at once; the worker makes the one-time token and sends the link through
 * SES. SQS tries a failed job again (the worker reports failures per message) and after three tries
 * keeps it in the dead-letter queue for 14 days, where an operator sees it (docs/operations.md "Runbook").
 */
export class Mail extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly worker: RouteFunction;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue of the mail queue: what it holds is looked at by an operator, not retried.',
    });
    acknowledgeControl(this.deadLetters, 'deadLetters');
    this.queue = new Queue(this, 'Jobs', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than the worker's timeout (SQS must not hand a job to a second worker while the first runs).
      visibilityTimeout: Duration.seconds(60),
      // Kept the default 4 days: a job must reach the dead-letter queue, never expire unseen in an outage.
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 3 },
    });

    this.worker = props.makeWorker({ ...props.environment, EMAIL_FROM: props.emailFrom });
    this.worker.grantTable(props.table, MAIL_WORKER_TABLE_ACCESS);
    this.worker.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    const { partition, region, account } = Stack.of(this);
    this.worker.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [`arn:${partition}:ses:${region}:${account}:identity/${props.emailIdentity}`],
        // From this one address only, whatever else the identity would allow.
        conditions: { StringEquals: { 'ses:FromAddress': props.emailFrom } },
      }),
    );
  }
}
