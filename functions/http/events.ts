import { AsyncLocalStorage } from 'node:async_hooks';
import type { Audit, AuditEvent } from '../core/audit';
import { type BusEvent, eventDetail } from '../core/event-schema';
import { EventBridgeSink } from '../store/event-bus';

/**
 * Where an invocation's events go: the stack's EventBridge bus (store/event-bus.ts) deployed, the
 * dev server's event log locally.
 */
export interface EventSink {
  put(events: readonly BusEvent[], origin: { functionName?: string }): Promise<Unpublished>;
}

/** How many events of a put were not taken, and the error's name when a call failed whole. */
export interface Unpublished {
  lost: number;
  errorName?: string;
}

let local: EventSink | undefined;
let onLost: ((lost: number, errorName?: string) => void) | undefined;
let bus: EventSink | undefined;
// Each invocation's own queue: one at a time in Lambda, but the dev server runs many at once.
const queue = new AsyncLocalStorage<BusEvent[]>();

/** The dev server's sink (GET /_dev/events): every function of the process publishes there. */
export function useLocalEventSink(sink: EventSink | undefined): void {
  local = sink;
}

/**
 * The bus, when EVENT_BUS names one (its ARN, deployed). AUTH_API_EVENTS is a constant in a
 * deployed bundle (lib/route-function.ts): with events off (context `eventBus` `none`) the
 * EventBridge client is not even bundled.
 */
function sink(): EventSink | undefined {
  if (local) return local;
  // A branch esbuild drops (and the client with it) when the condition is a constant false.
  if (process.env.AUTH_API_EVENTS !== 'false') {
    const target = process.env.EVENT_BUS;
    if (target) bus ??= new EventBridgeSink(target);
  }
  return bus;
}

/** Who hears of events that could not be published (http/logger.ts logs them, by name only). */
export function whenEventsLost(listener: (lost: number, errorName?: string) => void): void {
  onLost = listener;
}

/**
 * Queues one audit event for the end of its invocation (withEvents). Nothing is queued when there is
 * nowhere to send it, or outside an invocation.
 */
export const queueEvent = (event: AuditEvent, fields: Parameters<Audit>[1], nowMs = Date.now()): void => {
  if (!local && (process.env.AUTH_API_EVENTS === 'false' || !process.env.EVENT_BUS)) return;
  queue.getStore()?.push({ detailType: event, detail: eventDetail(fields, nowMs), time: new Date(nowMs) });
};

/**
 * Runs one invocation with a queue of its own, then sends what it queued in one PutEvents (ten
 * entries a call). It never fails the invocation: an event that cannot be published is counted
 * (`lost`: withMetrics makes it `events_unpublished`, alarmed) and logged by name, and the answer stands.
 */
export async function withEvents<R>(
  origin: { functionName?: string },
  run: () => Promise<R>,
  lost: (count: number) => void = () => undefined,
): Promise<R> {
  // Nowhere to send (no bus, no dev server): the invocation runs as if this were not here.
  if (!sink()) return run();
  const events: BusEvent[] = [];
  try {
    return await queue.run(events, run);
  } finally {
    const count = await publish(events, origin);
    if (count > 0) lost(count);
  }
}

async function publish(events: readonly BusEvent[], origin: { functionName?: string }): Promise<number> {
  if (events.length === 0) return 0;
  let answer: Unpublished;
  try {
    const target = sink();
    answer = target ? await target.put(events, origin) : { lost: 0 };
  } catch (err) {
    answer = { lost: events.length, errorName: (err as Error)?.name };
  }
  if (answer.lost > 0) onLost?.(answer.lost, answer.errorName);
  return answer.lost;
}
