/**
 * `npm run sam:env`: the variables `sam local invoke --env-vars` needs, with fresh local-only keys,
 * written to .sam-local/ (ignored by git; nothing of it is ever deployed): env.json for SAM, and
 * env.sh to start the dev server on the same keys, table and issuer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { portOrExit } from './ports';
import { RESOURCE_VARIABLES, samParameters } from './sam-environment';

const dir = '.sam-local';
// The ports of the DynamoDB Local and the dev server this pairs with (docs/local-development.md).
const storePort = portOrExit(process.env, 'STORE_PORT', 8002);
const port = portOrExit(process.env, 'PORT', 8000);
const sam = await samParameters({
  tableName: 'auth-local',
  storeEndpoint: `http://host.docker.internal:${storePort}`,
  issuer: `http://127.0.0.1:${port}`,
});
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}/env.json`, `${JSON.stringify({ Parameters: sam }, null, 2)}\n`, { mode: 0o600 });
// The dev server listens where the tokens' issuer says, on the same keys and table.
const { AWS_SAM_LOCAL: _sam, ...shared } = sam;
for (const name of RESOURCE_VARIABLES) delete shared[name];
const local = { ...shared, DYNAMODB_ENDPOINT: `http://127.0.0.1:${storePort}`, PORT: String(port) };
const sh = Object.entries(local).map(([k, v]) => `export ${k}='${v}'`);
writeFileSync(`${dir}/env.sh`, `${sh.join('\n')}\n`, { mode: 0o600 });
console.log(`wrote ${dir}/env.json (sam local invoke --env-vars) and ${dir}/env.sh (. ${dir}/env.sh && npm start)`);
