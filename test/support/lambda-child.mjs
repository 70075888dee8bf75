// Runs one deployed bundle the way the Lambda runtime runs an actively traced function: require
// index.js once, then before each invocation put a fresh, sampled trace header in _X_AMZN_TRACE_ID
// (where the runtime puts it) and call handler(event, context). Plain JavaScript: it loads the
// bundle itself, not our TypeScript.
//
//   node test/support/lambda-child.mjs <bundle.js> <events.json>
//     -> one JSON line: [{ "traceId": "1-...", "result": <what the handler returned> }, ...]
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const [bundlePath, eventsPath] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsPath, 'utf8'));
const { handler } = createRequire(import.meta.url)(bundlePath);
const out = [];
for (const [i, event] of events.entries()) {
  const traceId = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  process.env._X_AMZN_TRACE_ID = `Root=${traceId};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
  const context = { functionName: 'traced', awsRequestId: `request-${i}`, getRemainingTimeInMillis: () => 10_000 };
  out.push({ traceId, result: await handler(event, context) });
}
process.stdout.write(`${JSON.stringify(out)}\n`);
// The SDK's sockets may hold the loop open; the datagrams are sent by now (UDP, loopback).
setTimeout(() => process.exit(0), 100);
