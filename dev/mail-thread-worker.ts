/**
 * The mail thread's side (dev/mail-thread.ts): the deployed worker's job runner (functions/mail/jobs.ts)
 * with its own store client, sending each message back to the dev server's outbox.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { AccountMailer } from '../functions/core/account-mail';
import { loadConfig } from '../functions/core/config';
import type { MailMessage } from '../functions/core/ports';
import { useLocalEventSink, withEvents } from '../functions/http/events';
import { audit } from '../functions/http/logger';
import { runMailJob } from '../functions/mail/jobs';
import { DynamoAccountStore } from '../functions/store/account-store';
import { createDocumentClient } from '../functions/store/client';
import type { FromMailThread, ToMailThread } from './mail-thread';

const port = parentPort;
if (!port) throw new Error('dev/mail-thread-worker.ts runs only as a worker thread (dev/mail-thread.ts starts it)');

const config = loadConfig(process.env, { needsKeys: false });
const sends = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
let nextSend = 0;

const sender = {
  send: (message: MailMessage) =>
    new Promise<void>((resolve, reject) => {
      const id = nextSend++;
      sends.set(id, { resolve, reject });
      port.postMessage({ type: 'send', id, message, threadId } satisfies FromMailThread);
    }),
};
// The job's audit events cross back to the dev server's event log, ahead of its `done`.
useLocalEventSink({
  put: async (events) => {
    port.postMessage({ type: 'events', events: [...events] } satisfies FromMailThread);
    return { lost: 0 };
  },
});
const mailer = new AccountMailer(
  new DynamoAccountStore(createDocumentClient(), config.tableName),
  sender,
  config.accounts,
  audit,
);

port.on('message', async (message: ToMailThread) => {
  if (message.type === 'sent') {
    const send = sends.get(message.id);
    sends.delete(message.id);
    if (message.failed) send?.reject(Object.assign(new Error('outbox refused the message'), { name: message.failed }));
    else send?.resolve();
    return;
  }
  const ok = await withEvents({ functionName: 'mail-worker' }, () => runMailJob(mailer, message.job));
  port.postMessage({ type: 'done', id: message.id, ok } satisfies FromMailThread);
});
