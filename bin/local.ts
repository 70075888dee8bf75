/** `npm start`: the API on http://127.0.0.1:8000 over an embedded store (dev/local.ts). */
import { performance } from 'node:perf_hooks';
import { DEMO_USERS } from '../dev/demo-users';
import { startLocal } from '../dev/local';

const started = performance.now();
// A store named by the environment (often left exported from `npm run users`) that is not running
// fails the start: say which variable sent us there.
const givenStore = process.env.DYNAMODB_ENDPOINT;

startLocal().then(
  (api) => {
    console.log(`auth-api listening on ${api.url}  (ready in ${Math.round(performance.now() - started)} ms)`);
    const users = api.demoUsersAdded.length ? `added: ${api.demoUsersAdded.join(', ')}` : 'already present';
    console.log(`store: ${api.endpoint}, table ${api.tableName} (${api.table}); demo users ${users}`);
    for (const u of DEMO_USERS) console.log(`  ${u.username} / ${u.password}${u.disabled ? '  (disabled)' : ''}`);
    console.log(`try: curl -s -i -X POST ${api.url}/auth/token -d "username=johndoe&password=secret"`);
    console.log('Ctrl-C stops.');
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      api.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  },
  (err: Error) => {
    const hint = givenStore
      ? ` (the store at DYNAMODB_ENDPOINT=${givenStore}: is it running? ` +
        '`unset DYNAMODB_ENDPOINT` uses the embedded one)'
      : '';
    console.error(`auth-api failed to start: ${err.name}: ${err.message}${hint}`);
    process.exit(1);
  },
);
