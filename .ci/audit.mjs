// `npm audit --omit=dev` for CI: fails on a high or critical advisory in what is deployed (the
// runtime dependencies). A registry that offers no audit endpoint (some mirrors answer 405) is
// reported and skipped, not failed: the run cannot tell anything about advisories then.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}
// An audit report has `metadata`; anything else (an error, a refused request) is no audit at all.
if (!report?.metadata) {
  const why = report?.message ?? report?.error?.summary ?? run.stderr.trim().split('\n').pop() ?? 'no answer';
  console.log(`npm audit: the registry gave no audit (${why}): SKIPPED, advisories not checked`);
  process.exit(0);
}
const counts = report.metadata?.vulnerabilities ?? {};
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(
  `npm audit --omit=dev: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ` +
    `${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`,
);
if (serious > 0) {
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {}))
    if (v.severity === 'high' || v.severity === 'critical') console.log(`  ${v.severity}: ${name} (${v.range})`);
  process.exit(1);
}
