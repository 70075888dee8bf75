import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type BusEvent } from '../core/event-schema';
import type { EventSink, Unpublished } from '../http/events';
import { traceClient } from '../http/tracing';

// Made on the first put. Imported statically: esbuild keeps PutEvents alone (16 KB), where a dynamic
// import() keeps every command of the client (43 KB); a bundle without events drops it whole.
let client: EventBridgeClient | undefined;

/** PutEvents takes at most ten entries a call. */
export const PUT_EVENTS_MAX = 10;

/**
 * The deployed sink: the stack's EventBridge bus (docs/events.md). One client per process, bounded
 * like the store's (a slow bus costs a request at most ~1.5 s, and never its answer).
 */
export class EventBridgeSink implements EventSink {
  /** `bus`: the bus's name, or its ARN (another account's bus is reached by ARN alone). */
  constructor(private readonly bus: string) {}

  /** All the events, ten to a call, the calls at once; answers how many the bus did not take. */
  async put(events: readonly BusEvent[]): Promise<Unpublished> {
    const batches: BusEvent[][] = [];
    for (let i = 0; i < events.length; i += PUT_EVENTS_MAX) batches.push(events.slice(i, i + PUT_EVENTS_MAX));
    client ??= traceClient(
      new EventBridgeClient({
        maxAttempts: 2,
        requestHandler: { connectionTimeout: 500, requestTimeout: 1000, throwOnRequestTimeout: true },
      }),
    );
    const sdk = client;
    const answers = await Promise.allSettled(batches.map((batch) => sdk.send(this.command(batch))));
    let lost = 0;
    let errorName: string | undefined;
    answers.forEach((answer, i) => {
      // Entries can fail one by one (throttled, an internal error) while the call succeeds.
      if (answer.status === 'fulfilled') lost += answer.value.FailedEntryCount ?? 0;
      else {
        lost += batches[i].length;
        errorName = (answer.reason as Error)?.name;
      }
    });
    return { lost, errorName };
  }

  private command(batch: readonly BusEvent[]): PutEventsCommand {
    return new PutEventsCommand({
      Entries: batch.map((event) => ({
        EventBusName: this.bus,
        Source: EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        Time: event.time,
      })),
    });
  }
}
