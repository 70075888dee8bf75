// A stand-in for Amazon EventBridge's PutEvents on loopback (JSON 1.1, as the SDK speaks it), run in
// a process of its own by bench/event-publishing.ts, so the bench's own timing does not include it.
// Takes every entry. Prints the port it listens on.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const entries = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}').Entries ?? [];
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
