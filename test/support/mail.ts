import { outbox } from '../../dev/outbox';
import type { InProcessMailQueue } from '../../functions/mail/jobs';

/** The dev server's mail worker queue (the handlers' own instance: loaded after startApp). */
export async function mailQueue(): Promise<InProcessMailQueue> {
  return (await import('../../functions/accounts/recovery-runtime')).mailQueue as InProcessMailQueue;
}

/** Waits until every message handed to the in-process worker so far has been dealt with. */
export async function mailSettled(): Promise<void> {
  // The hand-off runs the job on the next turn of the event loop: let it start, then wait for it.
  await new Promise((resolve) => setImmediate(resolve));
  await (await mailQueue()).settled();
}

/** The messages sent to `to`, oldest first. */
export const messagesTo = (to: string) => outbox.messages.filter((m) => m.to === to);

/** The token of the last link sent to `to` (after the worker has run). */
export async function lastLinkToken(to: string): Promise<string> {
  await mailSettled();
  const last = messagesTo(to).at(-1);
  if (!last) throw new Error(`no message to ${to}`);
  return last.text.match(/\?token=([\w-]+)/)![1];
}
