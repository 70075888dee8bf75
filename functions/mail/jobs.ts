import type { AccountMailer } from '../core/account-mail';
import { ServiceUnavailableError } from '../core/errors';
import type { MailJob, MailQueue, MailSender } from '../core/ports';
import { withEvents } from '../http/events';
import { dependencyUnavailable, logger } from '../http/logger';

/**
 * Runs one mail job; false when it failed (logged as `dependency_unavailable` with the dependency,
 * `email` or `store`, and nothing of the job: it names a user). The deployed worker hands a failure
 * back to the queue, which tries again and finally keeps the job in its dead-letter queue.
 */
export async function runMailJob(mailer: AccountMailer, job: MailJob): Promise<boolean> {
  try {
    await mailer.handle(job);
    return true;
  } catch (err) {
    if (err instanceof ServiceUnavailableError) dependencyUnavailable(err);
    else logger.error('mail_job_failed', { kind: job.kind, errorName: (err as Error)?.name });
    return false;
  }
}

/** Parses a queued job; undefined for anything that is not one (it is dropped with a log line, never retried). */
export function parseMailJob(body: string): MailJob | undefined {
  try {
    const job = JSON.parse(body) as Partial<MailJob>;
    const kinds = ['password_reset', 'email_verify'];
    if (typeof job.username !== 'string' || !kinds.includes(job.kind as string) || typeof job.requestedAt !== 'number')
      return undefined;
    return job as MailJob;
  } catch {
    return undefined;
  }
}

let localSender: MailSender | undefined;

/** The dev server plugs its outbox in here (dev/outbox.ts); nothing is plugged in a deployed function. */
export function useLocalMailSender(sender: MailSender | undefined): void {
  localSender = sender;
}

/** What the in-process worker sends through: the plugged-in sender, or a failure naming the fix. */
export const localMailSender: MailSender = {
  send: async (message) => {
    if (!localSender) throw new Error('no local mail sender (set MAIL_QUEUE_URL, or run the dev server)');
    await localSender.send(message);
  },
};

/** Runs one job somewhere else; resolves as runMailJob does (false: it failed, and was logged). */
export type MailRunner = (job: MailJob) => Promise<boolean>;

let localRunner: MailRunner | undefined;

/**
 * `npm start` plugs a worker thread in here (dev/mail-thread.ts), so a job never shares the request
 * path's event loop, as the deployed worker does not; without one, jobs run in this thread.
 */
export function useLocalMailRunner(runner: MailRunner | undefined): void {
  localRunner = runner;
}

/**
 * The local hand-off (no MAIL_QUEUE_URL): the worker runs once the answer is on its way, exactly as
 * the deployed worker runs after the queue, so local answers take no longer for a user who exists:
 * in the plugged-in runner's thread, else in this one after the answer. `settled()` lets a caller
 * (a test, the bench, GET /_dev/outbox) wait for the jobs in flight.
 */
export class InProcessMailQueue implements MailQueue {
  private readonly running = new Set<Promise<boolean>>();
  private held: MailJob[] | undefined;

  constructor(private readonly mailer: () => AccountMailer) {}

  async enqueue(job: MailJob): Promise<void> {
    if (this.held) {
      this.held.push(job);
      return;
    }
    // Tracked from now, not from when it starts: settled() must also wait for a job not yet begun.
    const run = new Promise<boolean>((resolve) => setImmediate(() => resolve(this.run(job))));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Keeps jobs until release() (a test that must tell the worker's store requests from the route's). */
  hold(): void {
    this.held ??= [];
  }

  /** Runs the jobs held, one after another, and stops holding; resolves with how many ran ok. */
  async release(): Promise<number> {
    const jobs = this.held ?? [];
    this.held = undefined;
    let ok = 0;
    for (const job of jobs) if (await this.run(job)) ok++;
    return ok;
  }

  private run(job: MailJob): Promise<boolean> {
    if (localRunner) return localRunner(job);
    // Its own invocation, as the deployed worker's is: its events are its own, not the route's that queued it.
    return withEvents({ functionName: 'mail-worker' }, () => runMailJob(this.mailer(), job));
  }
}
