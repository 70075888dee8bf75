/**
 * `npm run bench:bcrypt`: bcrypt compare latency at each cost on this machine (one core, as a
 * 1769 MB Lambda has). Lambda gives CPU in proportion to memory (1769 MB = 1 vCPU), so the login
 * function's bcrypt time at M MB is about this figure x 1769 / M below that size.
 */
import bcrypt from 'bcryptjs';

const costs = process.argv.slice(2).map(Number).filter(Boolean);
const runs = 15;
const memories = [512, 1024, 1769];

console.log(`node ${process.version}; ${runs} compares per cost; median ms`);
console.log(['cost', 'here (1 vCPU)', ...memories.map((m) => `Lambda ${m} MB (est.)`)].join('\t'));
for (const cost of costs.length ? costs : [8, 10, 12]) {
  const hash = bcrypt.hashSync('benchmark-password', cost);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    bcrypt.compareSync('benchmark-password', hash);
    times.push(performance.now() - start);
  }
  const median = times.sort((a, b) => a - b)[Math.floor(runs / 2)];
  console.log(
    [cost, median.toFixed(1), ...memories.map((m) => ((median * 1769) / Math.min(m, 1769)).toFixed(0))].join('\t'),
  );
}
