import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MailJob, MailMessage } from '../functions/core/ports';
import type { MailRunner } from '../functions/mail/jobs';
import type { BusEvent } from '../functions/core/event-schema';

/** Main thread → mail thread, and back (dev/mail-thread-worker.ts). */
export type ToMailThread = { type: 'job'; id: number; job: MailJob } | { type: 'sent'; id: number; failed?: string };
export type FromMailThread =
  | { type: 'done'; id: number; ok: boolean }
  | { type: 'send'; id: number; message: MailMessage; threadId: number }
  | { type: 'events'; events: BusEvent[] };

/** Where the thread's messages land: the outbox, told which thread sent them (a test checks it is not this one). */
export type ThreadSender = (message: MailMessage, threadId: number) => Promise<void>;

/**
 * `npm start`'s mail worker (docs/local-development.md "Email"): the mail jobs run in a worker thread
 * with its own store client, as the deployed worker runs in its own function, so a forgot for a
 * user who exists costs the next request nothing (review finding: in the request thread it cost
 * the next answer 2.6 ms, a local timing signal). Only the message crosses back, to the outbox.
 * A thread that dies fails its jobs (logged) and the next job starts a new one.
 */
export class MailThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  constructor(
    private readonly send: ThreadSender,
    private readonly env: Record<string, string | undefined> = process.env,
    /** Where the jobs' audit events go (the dev server's event log); they arrive before the job's end. */
    private readonly events: (events: BusEvent[]) => void = () => undefined,
  ) {}

  readonly run: MailRunner = (job) =>
    new Promise<boolean>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      this.post({ type: 'job', id, job });
    });

  /** Starts the thread now, so the first job does not wait for it to load. */
  warm(): void {
    this.worker ??= this.start();
  }

  /** Waits for the jobs in flight (at most `graceMs`), then ends the thread. */
  async stop(graceMs = 2000): Promise<void> {
    const settled = Promise.all([...this.pending.keys()].map((id) => this.settledPromise(id)));
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private settledPromise(id: number): Promise<void> {
    return new Promise((resolve) => {
      const done = this.pending.get(id);
      if (!done) return resolve();
      this.pending.set(id, (ok) => {
        done(ok);
        resolve();
      });
    });
  }

  private post(message: ToMailThread): void {
    this.worker ??= this.start();
    this.worker.postMessage(message);
  }

  private start(): Worker {
    // Under `npm start` (tsx) the thread inherits the TypeScript loader with the other options (some,
    // as node --test's, a worker refuses when given); elsewhere (jest) the loader is all it is given.
    const loaded = process.execArgv.some((arg) => arg.includes('tsx'));
    const worker = new Worker(join(process.cwd(), 'dev/mail-thread-worker.ts'), {
      ...(loaded ? {} : { execArgv: ['--import', 'tsx'] }),
      env: { ...this.env },
    });
    // Never what keeps the dev server's process alive.
    worker.unref();
    worker.on('message', (message: FromMailThread) => {
      if (message.type === 'done') return this.finish(message.id, message.ok);
      if (message.type === 'events') return this.events(message.events);
      this.send(message.message, message.threadId).then(
        () => worker.postMessage({ type: 'sent', id: message.id } satisfies ToMailThread),
        (err: Error) => worker.postMessage({ type: 'sent', id: message.id, failed: err?.name } satisfies ToMailThread),
      );
    });
    const lost = (why: string) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.pending.size > 0) console.error(`mail thread ${why}: ${this.pending.size} job(s) failed`);
      for (const id of [...this.pending.keys()]) this.finish(id, false);
    };
    worker.on('error', (err) => lost(`failed (${err.name}: ${err.message})`));
    worker.on('exit', (code) => lost(`exited (${code})`));
    return worker;
  }

  private finish(id: number, ok: boolean): void {
    const done = this.pending.get(id);
    this.pending.delete(id);
    done?.(ok);
  }
}
