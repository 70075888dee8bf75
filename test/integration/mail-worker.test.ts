import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';
import { startApp, type TestApp } from '../support/app';
import { loggedJson } from '../support/logs';

// The deployed mail worker (functions/mail/worker.ts), unchanged: SQS records in, the table on a real
// DynamoDB API server, and SES v2 played by a local HTTP server (the SDK's own client reaches it
// through AWS_ENDPOINT_URL_SESV2), so the request it sends is the one SES would get.

interface SesCall {
  path: string;
  body: {
    FromEmailAddress: string;
    Destination: { ToAddresses: string[] };
    Content: { Simple: { Subject: { Data: string }; Body: { Text: { Data: string } } } };
  };
}

let app: TestApp;
let ses: Server;
const calls: SesCall[] = [];
let sesStatus = 200;
let handler: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

beforeAll(async () => {
  ses = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(sesStatus, { 'content-type': 'application/json' });
      res.end(sesStatus === 200 ? '{"MessageId":"local-1"}' : '{"message":"injected"}');
    });
  });
  await new Promise<void>((resolve) => ses.listen(0, '127.0.0.1', resolve));
  app = await startApp({
    AWS_ENDPOINT_URL_SESV2: `http://127.0.0.1:${(ses.address() as AddressInfo).port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  ({ handler } = await import('../../functions/mail/worker'));
});
afterAll(async () => {
  await app.close();
  await new Promise<void>((resolve) => ses.close(() => resolve()));
});
afterEach(() => {
  sesStatus = 200;
});

const logged = () => loggedJson();
const record = (messageId: string, body: unknown) =>
  ({ messageId, body: typeof body === 'string' ? body : JSON.stringify(body) }) as SQSEvent['Records'][number];
const job = (username: string) => ({ kind: 'password_reset', username, requestedAt: Date.now() });

test('sends the reset link through SES v2 SendEmail, from EMAIL_FROM to the user', async () => {
  await app.addUser('worker-ann', 'old passphrase', { email: 'ann@example.com' });
  const out = await handler({ Records: [record('m-1', job('worker-ann'))] });
  expect(out).toEqual({ batchItemFailures: [] });
  const call = calls.at(-1)!;
  expect(call.path).toBe('/v2/email/outbound-emails');
  expect(call.body.FromEmailAddress).toBe('no-reply@auth-api.localhost');
  expect(call.body.Destination.ToAddresses).toEqual(['ann@example.com']);
  expect(call.body.Content.Simple.Subject.Data).toBe('Reset your password');
  expect(call.body.Content.Simple.Body.Text.Data).toMatch(/reset-password\?token=[\w-]{43}\n/);
});

test('SES failing: the job is reported failed (SQS retries, then dead-letters it), logged without it', async () => {
  await app.addUser('worker-bob', 'old passphrase', { email: 'bob@example.com' });
  await app.addUser('worker-cat', 'old passphrase', { email: 'cat@example.com' });
  sesStatus = 500;
  const out = await handler({ Records: [record('m-2', job('worker-bob')), record('m-3', job('worker-cat'))] });
  expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m-2', 'm-3']);
  const failures = logged().filter((l) => l.message === 'dependency_unavailable' && l.dependency === 'email');
  expect(failures.length).toBeGreaterThanOrEqual(2);
  for (const f of failures) expect(JSON.stringify(f)).not.toMatch(/worker-bob|bob@example\.com|token/);
});

test('only the failed job of a batch is retried', async () => {
  await app.addUser('worker-dan', 'old passphrase', { email: 'dan@example.com' });
  const out = await handler({
    Records: [record('m-4', job('worker-dan')), record('m-5', job('nobody-here')), record('m-6', 'not json')],
  });
  // An unknown user sends nothing and is done; a malformed job is dropped with a log line, never retried.
  expect(out).toEqual({ batchItemFailures: [] });
  expect(logged()).toContainEqual(expect.objectContaining({ message: 'mail_job_malformed', messageId: 'm-6' }));
  expect(calls.filter((c) => c.body.Destination.ToAddresses[0] === 'dan@example.com')).toHaveLength(1);
});
