import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import {
  ApiDestination,
  Authorization,
  Connection,
  EventBus,
  HttpMethod,
  type IEventBus,
  Rule,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AUDIT_EVENTS, type AuditEvent } from '../functions/core/audit';
import { ConfigError } from '../functions/core/errors';
import { EVENT_SOURCE } from '../functions/core/event-schema';
import { acknowledgeControl } from './compliance';
import type { RouteFunction } from './route-function';

/** A webhook that receives some (or every) event: an EventBridge API destination (docs/events.md). */
export interface EventWebhook {
  /** Letters, digits and `-`: the rule's and the destination's construct ids. */
  name: string;
  /** The https URL each event is POSTed to, as JSON: EventBridge's envelope. */
  url: string;
  /** The detail-types it receives (the audit events' names); default every event. */
  events?: AuditEvent[];
  /** The Secrets Manager secret (name or ARN) whose value the webhook gets in `apiKeyHeader`. */
  apiKeySecret: string;
  /** Default `x-api-key`. */
  apiKeyHeader?: string;
  /** Requests per second at most (default 10): a slow receiver is not flooded. */
  rateLimitPerSecond?: number;
}

export interface AuthEventsProps {
  /** An existing bus (its name or ARN) instead of the stack's own. */
  existingBus?: string;
  webhooks?: readonly EventWebhook[];
}

/**
 * Every audit event on an EventBridge bus (docs/events.md): the stack's own unless the context names
 * one. The functions that can audit put their events there as each invocation ends
 * (functions/http/events.ts); rules pick them by `detail-type`. Webhooks from the context are rules
 * with an API destination, retried for a day and then kept in a dead-letter queue.
 */
export class AuthEvents extends Construct {
  readonly bus: IEventBus;
  /** Events no webhook would take after a day of tries (only when webhooks are declared). */
  readonly deadLetters?: Queue;
  /** Each webhook's rule, by its name. */
  readonly webhookRules: Record<string, Rule> = {};

  constructor(scope: Construct, id: string, props: AuthEventsProps = {}) {
    super(scope, id);
    const existing = props.existingBus;
    this.bus = !existing
      ? new EventBus(this, 'Bus', { description: 'Every audit event of the auth API (docs/events.md)' })
      : existing.startsWith('arn:')
        ? EventBus.fromEventBusArn(this, 'Bus', existing)
        : EventBus.fromEventBusName(this, 'Bus', existing);
    const webhooks = props.webhooks ?? [];
    if (webhooks.length > 0) this.deadLetters = deadLetterQueue(this);
    for (const webhook of webhooks) this.addWebhook(webhook);
  }

  /**
   * A rule on the bus for these events (default: every event of this API). Add its targets: a Lambda
   * function, a queue, an API destination (docs/events.md "A rule that feeds a Lambda").
   */
  rule(id: string, events?: readonly AuditEvent[]): Rule {
    return new Rule(this, id, {
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE], ...(events ? { detailType: [...checkedEvents(events, id)] } : {}) },
    });
  }

  /**
   * The function may put events on the bus, with this API's source only, and knows the bus by its
   * ARN (a bus of another account is reached by ARN alone).
   */
  grantPublish(fn: RouteFunction): void {
    fn.addEnvironment('EVENT_BUS', this.bus.eventBusArn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'events:source': EVENT_SOURCE } },
      }),
    );
  }

  private addWebhook(webhook: EventWebhook): void {
    if (!/^[A-Za-z0-9-]{1,40}$/.test(webhook.name))
      throw new ConfigError(`eventWebhooks: name must be 1-40 letters, digits or -, got "${webhook.name}"`);
    if (this.webhookRules[webhook.name]) throw new ConfigError(`eventWebhooks: "${webhook.name}" is declared twice`);
    if (!/^https:\/\/[^\s/]+/.test(webhook.url))
      throw new ConfigError(`eventWebhooks: ${webhook.name}'s url must be https://..., got "${webhook.url}"`);
    if (!webhook.apiKeySecret) throw new ConfigError(`eventWebhooks: ${webhook.name} needs apiKeySecret`);
    const connection = new Connection(this, `${webhook.name}Connection`, {
      description: `The auth API's events to ${webhook.name}`,
      authorization: Authorization.apiKey(
        webhook.apiKeyHeader ?? 'x-api-key',
        SecretValue.secretsManager(webhook.apiKeySecret),
      ),
    });
    const destination = new ApiDestination(this, `${webhook.name}Destination`, {
      connection,
      endpoint: webhook.url,
      httpMethod: HttpMethod.POST,
      rateLimitPerSecond: webhook.rateLimitPerSecond ?? 10,
    });
    const rule = this.rule(`${webhook.name}Rule`, webhook.events);
    rule.addTarget(
      new ApiDestinationTarget(destination, {
        deadLetterQueue: this.deadLetters,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
    this.webhookRules[webhook.name] = rule;
  }
}

/** The names must be audit events: a typo would be a rule that never matches. */
function checkedEvents(events: readonly AuditEvent[], where: string): readonly AuditEvent[] {
  const unknown = events.filter((e) => !(AUDIT_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0 || events.length === 0) {
    const got = JSON.stringify(unknown.length ? unknown : events);
    throw new ConfigError(`${where}: events must name audit events (docs/events.md), got ${got}`);
  }
  return events;
}

function deadLetterQueue(scope: Construct): Queue {
  const queue = new Queue(scope, 'WebhookDeadLetters', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This is the dead-letter queue of the event webhooks: an operator reads it (and can replay it by hand).',
  });
  acknowledgeControl(queue, 'deadLetters');
  return queue;
}
