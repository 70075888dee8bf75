import { randomUUID } from 'node:crypto';
import { EVENT_SOURCE, type BusEvent } from '../functions/core/event-schema';
import type { EventSink, Unpublished } from '../functions/http/events';

/**
 * One event as a rule's target receives it from EventBridge (docs/events.md "The envelope"), with
 * `function`: the dev server's name for the function that published it (deployed, the envelope has
 * no such field).
 */
export interface LoggedEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: BusEvent['detail'];
  function?: string;
}

/**
 * The dev server's event bus (docs/events.md "Locally"): every event kept in memory, in order, and
 * listed at GET /_dev/events. Nothing is printed: the audit line already says it.
 */
export class EventLog implements EventSink {
  readonly events: LoggedEvent[] = [];
  /** Tests set this to stand in for a bus that refuses (as PutEvents can, whole or entry by entry). */
  failing = false;

  async put(events: readonly BusEvent[], origin: { functionName?: string }): Promise<Unpublished> {
    if (this.failing) throw Object.assign(new Error('event log refusing (test)'), { name: 'EventLogFailure' });
    for (const event of events) {
      this.events.push({
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: EVENT_SOURCE,
        account: '000000000000',
        time: event.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: process.env.AWS_REGION || 'local',
        resources: [],
        detail: event.detail,
        function: origin.functionName,
      });
    }
    return { lost: 0 };
  }
}

/** The one event log of this process: the dev server plugs it in beside the outbox. */
export const eventLog = new EventLog();
