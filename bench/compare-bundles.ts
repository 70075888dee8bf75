/**
 * `npm run bench:compare -- <cdk.out before> <cdk.out after> [pairs]`: whether a change made any
 * function slower to load. For each function of the two synthesized stacks, `pairs` fresh Node
 * processes load each bundle (spawn to exit: module evaluation and the composition root's init, no
 * invocation), the two in random order within a pair so that both see the same machine. Prints the
 * median of the pairwise ratios (after / before) with a bootstrap 95 % interval: an interval that
 * holds 1 is no measurable change. Synthesize each side with `npx cdk synth -o <dir>` first.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { newKeySet } from '../functions/core/keys';
import { formatRatio, pairs, summarizeRatios } from './paired';

const [before, after, pairCount = '30'] = process.argv.slice(2);
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
if (!before || !after || !/^\d+$/.test(pairCount)) {
  console.error('usage: npm run bench:compare -- <cdk.out before> <cdk.out after> [pairs]');
  process.exit(2);
}

/** Each function's bundle, by logical id without its hash suffix. */
function bundles(dir: string): Record<string, string> {
  const template = JSON.parse(readFileSync(`${dir}/AuthApi.template.json`, 'utf8'));
  const out: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources) as [
    string,
    { Type: string; Properties: { Code?: { S3Key?: unknown } } },
  ][]) {
    const key = r.Type === 'AWS::Lambda::Function' ? r.Properties.Code?.S3Key : undefined;
    if (typeof key === 'string')
      out[id.replace(/[0-9A-F]{8}$/, '')] = `${dir}/asset.${key.replace('.zip', '')}/index.js`;
  }
  return out;
}

// What the functions read at init: a valid configuration, local keys, a store nobody listens on.
const env = {
  ...process.env,
  TABLE_NAME: 'compare',
  JWT_SECRET: 'x'.repeat(40),
  SIGNING_KEYS: JSON.stringify(await newKeySet(Date.now())),
  TOKEN_ISSUER: 'https://compare.example',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
};
const load = (file: string) => {
  const t = performance.now();
  const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { env });
  if (run.status !== 0) throw new Error(`${file} failed to load: ${run.stderr}`);
  return performance.now() - t;
};
const [a, b] = [bundles(before), bundles(after)];
for (const fn of Object.keys(a)
  .filter((f) => b[f])
  .sort()) {
  // a / b of pairs.ts is after / before here.
  const run = await pairs(
    Number(pairCount),
    () => load(b[fn]),
    () => load(a[fn]),
  );
  console.log(
    `${fn.padEnd(28)} before ${median(run.b).toFixed(1)} ms  after ${median(run.a).toFixed(1)} ms  ` +
      `ratio ${formatRatio(summarizeRatios(run.ratios))}`,
  );
}
