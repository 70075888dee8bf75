// A stand-in for Amazon SQS's SendMessage on loopback (JSON protocol, as the SDK speaks it), run in a
// process of its own by bench/support.ts (the bench blocks its own event loop while a warm run goes).
// The SDK checks the MD5 of the body it sent. Prints the port it listens on.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    const md5 = createHash('md5')
      .update(body.MessageBody ?? '')
      .digest('hex');
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ MD5OfMessageBody: md5, MessageId: randomUUID() }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
