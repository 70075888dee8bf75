import { threadId } from 'node:worker_threads';
import { MailThread } from '../../dev/mail-thread';
import type { MailMessage } from '../../functions/core/ports';
import { useLocalMailRunner } from '../../functions/mail/jobs';
import { startApp, type TestApp } from '../support/app';
import { form, request } from '../support/http';
import { mailSettled } from '../support/mail';

// `npm start` runs the mail jobs in a worker thread (dev/mail-thread.ts), off the request path as the
// deployed worker is: a forgot for a user who exists must not make the next answer wait on its job.

let app: TestApp;
let thread: MailThread;
const sent: { message: MailMessage; from: number }[] = [];
let refusing = false;

beforeAll(async () => {
  app = await startApp();
  thread = new MailThread(async (message, from) => {
    if (refusing) throw Object.assign(new Error('refused'), { name: 'OutboxFailure' });
    sent.push({ message, from });
  });
  useLocalMailRunner(thread.run);
});
afterAll(async () => {
  useLocalMailRunner(undefined);
  await thread.stop();
  await app.close();
});

test('a forgot for a user who exists is mailed from another thread, with the link the route asked for', async () => {
  await app.addUser('thread-ann', 'old passphrase', { email: 'ann@thread.example' });
  const reply = await request(`${app.url}/auth/password/forgot`, 'POST', form({ username: 'thread-ann' }));
  expect(reply.status).toBe(202);
  await mailSettled();
  const mine = sent.filter((s) => s.message.to === 'ann@thread.example');
  expect(mine).toHaveLength(1);
  expect(mine[0].from).not.toBe(threadId);
  expect(mine[0].message.text).toMatch(/thread-ann[\s\S]*reset-password\?token=[\w-]{43}\n/);
});

test('an outbox that refuses fails the job (as SES failing does), and the thread goes on', async () => {
  const job = { kind: 'password_reset' as const, username: 'thread-bob', requestedAt: Date.now() };
  await app.addUser('thread-bob', 'old passphrase', { email: 'bob@thread.example' });
  refusing = true;
  expect(await thread.run(job)).toBe(false);
  refusing = false;
  expect(await thread.run({ ...job, requestedAt: Date.now() })).toBe(true);
  expect(sent.filter((s) => s.message.to === 'bob@thread.example')).toHaveLength(1);
});

test('a stopped thread is started again by the next job', async () => {
  await thread.stop();
  await app.addUser('thread-cat', 'old passphrase', { email: 'cat@thread.example', emailVerified: false });
  expect(await thread.run({ kind: 'email_verify', username: 'thread-cat', requestedAt: Date.now() })).toBe(true);
  expect(sent.filter((s) => s.message.to === 'cat@thread.example').map((s) => s.message.subject)).toEqual([
    'Verify your email address',
  ]);
});
