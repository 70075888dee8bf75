/**
 * `npm run bench -- --cpu-prof DIR`: where a cold start's time goes. Every cold start of the run
 * (ours and the essential bundle's, to the end of the first invocation) is taken under Node's
 * `--cpu-prof`, and each sample's self time is charged, through the bundle's source map, to the
 * package or our folder its code came from; the table is the mean per cold start of each.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';

interface Profile {
  nodes: { id: number; callFrame: { url: string; lineNumber: number; columnNumber: number; functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a source file belongs: its package, our folder, or the benchmark's essential work. */
function groupOf(source: string): string {
  const pkg = source.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const ours = source.match(/(functions\/[^/]+)\//);
  if (ours) return `ours: ${ours[1]}`;
  return source.includes('bench/') ? 'essential work' : source;
}

const maps = new Map<string, SourceMap | undefined>();
function mapOf(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

/** Self time (ms) per group in one profile. */
function charge(profile: Profile, bundle: string): Map<string, number> {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const out = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)!;
    let group: string;
    if (frame.url.endsWith(bundle)) {
      const entry = mapOf(bundle)?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
      group = entry?.originalSource ? groupOf(entry.originalSource) : 'the bundle, outside its source map';
    } else if (frame.url.startsWith('node:')) group = 'Node: module loading, compiling, its own modules';
    else if (frame.url.includes('node_modules/')) group = `essential work: ${groupOf(frame.url)}`;
    else if (frame.url.includes('bench/essential-work')) group = 'essential work';
    else if (frame.url.includes('bench/')) group = 'the benchmark runner';
    else group = frame.functionName || '(program)';
    out.set(group, (out.get(group) ?? 0) + profile.timeDeltas[i] / 1000);
  });
  return out;
}

/** Mean self time per group over the profiles in `dir` (one per cold start of `bundle`). */
function meanCharges(dir: string, bundle: string): { groups: Map<string, number>; total: number; runs: number } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const groups = new Map<string, number>();
  let total = 0;
  for (const f of files) {
    for (const [g, ms] of charge(JSON.parse(readFileSync(join(dir, f), 'utf8')), bundle)) {
      groups.set(g, (groups.get(g) ?? 0) + ms / files.length);
      total += ms / files.length;
    }
  }
  return { groups, total, runs: files.length };
}

/** Prints, for one route, where its cold starts' time went beside the essential bundle's. */
export function printProfile(
  route: string,
  ours: { dir: string; bundle: string },
  floor: { dir: string; bundle: string },
) {
  const o = meanCharges(ours.dir, ours.bundle);
  const e = meanCharges(floor.dir, floor.bundle);
  console.log(
    `\n${route}: profiled cold start (spawn to first answer), mean of ${o.runs}: ours ${o.total.toFixed(1)} ms of ` +
      `CPU samples, essential bundle ${e.total.toFixed(1)} ms`,
  );
  const names = [...new Set([...o.groups.keys(), ...e.groups.keys()])].sort(
    (a, b) => (o.groups.get(b) ?? 0) - (e.groups.get(b) ?? 0) - ((o.groups.get(a) ?? 0) - (e.groups.get(a) ?? 0)),
  );
  for (const name of names) {
    const [x, y] = [o.groups.get(name) ?? 0, e.groups.get(name) ?? 0];
    if (x < 0.5 && y < 0.5) continue;
    const d = x - y;
    console.log(
      `  ${name.padEnd(50)} ${x.toFixed(1).padStart(7)} ${y.toFixed(1).padStart(7)}  ` +
        `${d >= 0 ? '+' : ''}${d.toFixed(1)}`,
    );
  }
}

/**
 * Prints where a warm run's CPU went (one process: the route's bundle and, interleaved, its essential
 * work done directly with the packages in node_modules, charged as "essential work: <package>").
 */
export function printWarmProfile(route: string, dir: string, bundle: string) {
  const w = meanCharges(dir, bundle);
  console.log(
    `\n${route}: profiled warm run (the bundle's invocations and the essential work's), ${w.total.toFixed(0)} ms`,
  );
  for (const [name, ms] of [...w.groups].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${name.padEnd(60)} ${ms.toFixed(1).padStart(8)}`);
  }
}
