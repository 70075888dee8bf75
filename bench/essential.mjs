// The essential bundle's entry (built by bench/bench.ts with esbuild, bundled like the deployed
// functions, BENCH_ROUTE a constant): the route's essential work of bench/essential-work.mjs, once.
// Its cold start is the floor the mandated libraries allow; the deployed bundle's cold start is
// reported as a ratio to it.
import { essentialWork } from './essential-work.mjs';

export async function handler(plan) {
  const work = await essentialWork(plan);
  await work();
}
