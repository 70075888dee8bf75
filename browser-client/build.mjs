// `npm run build` (in browser-client/, or `npm run client:build` from the root): the package's three
// entries as minified ES modules in dist/ (@simplewebauthn/browser left to the app's bundler, as a
// peer), their type declarations, and each entry's size minified and gzipped. `--json` prints the
// sizes as JSON (test/unit/browser-client-size.test.ts reads them), `--no-types` skips the declarations,
// `--outdir DIR` writes elsewhere than dist/.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const entries = ['index', 'passkeys', 'oauth'];
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : join(here, 'dist');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: entries.map((e) => join(here, 'src', `${e}.ts`)),
  outdir,
  bundle: true,
  // Shared code in a chunk of its own: an app importing the core and an entry loads the core once.
  splitting: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  platform: 'browser',
  external: ['@simplewebauthn/browser'],
  logLevel: 'error',
});
if (!process.argv.includes('--no-types')) {
  const tsc = join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json'), '--outDir', outdir], { stdio: 'inherit' });
}

/** An entry's bytes with what it imports of the package (its chunks), minified and gzipped. */
function size(entry) {
  const files = [`${entry}.js`];
  const seen = new Set();
  let raw = 0;
  let text = '';
  while (files.length) {
    const file = files.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(outdir, file), 'utf8');
    raw += Buffer.byteLength(code);
    text += code;
    for (const m of code.matchAll(/from"\.\/([\w.-]+\.js)"/g)) files.push(m[1]);
  }
  return { minified: raw, gzipped: gzipSync(text, { level: 9 }).length };
}

const sizes = Object.fromEntries(entries.map((e) => [e, size(e)]));
// The passkey entry as an app ships it: with @simplewebauthn/browser (and the core) bundled in.
const whole = await build({
  entryPoints: [join(here, 'src', 'passkeys.ts')],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  platform: 'browser',
  write: false,
  logLevel: 'error',
});
const code = whole.outputFiles[0].contents;
sizes['passkeys+library'] = { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
if (process.argv.includes('--json')) console.log(JSON.stringify(sizes));
else
  for (const [entry, s] of Object.entries(sizes))
    console.log(
      `${entry.padEnd(16)} ${(s.minified / 1024).toFixed(2)} KB minified, ${(s.gzipped / 1024).toFixed(2)} KB gzipped`,
    );
