import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { functionId } from '../lib/route-function';
import {
  ACCOUNT_CONTEXT,
  ESSENTIAL_ENTRY,
  ESSENTIAL_OF,
  HANDLER,
  ROUTES,
  type RouteName,
  median,
  round,
} from './settings';

/** `cdk synth` in-process into a scratch folder: the bundles, memory sizes and handlers the stack deploys. */
export async function synthBundles(
  context: Record<string, string> = {},
): Promise<Record<RouteName, { bundle: string; memoryMb: number }>> {
  const outdir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  const { app } = buildApp(
    new App({
      outdir,
      context: {
        'aws:cdk:enable-asset-metadata': true,
        'aws:cdk:enable-path-metadata': true,
        ...ACCOUNT_CONTEXT,
        ...context,
      },
    }),
    // AWS Control Tower's checks are the stack's compliance, not its performance (11 s of cfn-guard).
    { controlTower: false },
  );
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(outdir, assembly.stacks[0].templateFile), 'utf8'));
  const found: Partial<Record<RouteName, { bundle: string; memoryMb: number }>> = {};
  for (const r of Object.values(template.Resources) as {
    Type: string;
    Properties: { MemorySize: number };
    Metadata: Record<string, string>;
  }[]) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    // The segment before /Resource is the function's construct id, as `sam local invoke` reads it.
    const id = r.Metadata['aws:cdk:path'].split('/').at(-2);
    for (const route of ROUTES.filter((name) => id === functionId(HANDLER[name]))) {
      found[route] = {
        bundle: join(outdir, r.Metadata['aws:asset:path'], 'index.js'),
        memoryMb: r.Properties.MemorySize,
      };
    }
  }
  return found as Record<RouteName, { bundle: string; memoryMb: number }>;
}

/** One essential bundle per route (bench/essential.mjs), bundled the way the stack bundles the functions. */
export async function essentialBundles(dir: string, routes: readonly RouteName[]): Promise<Record<RouteName, string>> {
  const { build } = await import('esbuild');
  const out: Partial<Record<RouteName, string>> = {};
  for (const route of routes) {
    const outfile = join(dir, `essential-${route}.js`);
    await build({
      entryPoints: [ESSENTIAL_ENTRY[route] ?? 'bench/essential.mjs'],
      bundle: true,
      minify: true,
      // As deployed: a source map beside it, which NODE_OPTIONS=--enable-source-maps reads at load.
      sourcemap: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      mainFields: ['module', 'main'],
      // The OAuth grants have the essential work of the routes whose rules they share.
      define: { 'process.env.BENCH_ROUTE': JSON.stringify(ESSENTIAL_OF[route] ?? route) },
      outfile,
      logLevel: 'error',
    });
    out[route] = outfile;
  }
  return out as Record<RouteName, string>;
}

/** p50 of an RS256 sign and verify with the current key (a warm process, keys imported once). */
export async function rs256Timings(signingKeys: string, n: number): Promise<{ sign_p50: number; verify_p50: number }> {
  const { SignJWT, importJWK, jwtVerify } = await import('jose');
  const current = JSON.parse(signingKeys).keys.find((k: { label: string }) => k.label === 'current');
  const priv = await importJWK(current.jwk, 'RS256');
  const pub = await importJWK({ kty: 'RSA', n: current.jwk.n, e: current.jwk.e }, 'RS256');
  const signs: number[] = [];
  const verifies: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const jwt = await new SignJWT({ sub: `u${i}` }).setProtectedHeader({ alg: 'RS256', kid: current.kid }).sign(priv);
    signs.push(performance.now() - t);
    t = performance.now();
    await jwtVerify(jwt, pub);
    verifies.push(performance.now() - t);
  }
  return { sign_p50: round(median(signs), 3), verify_p50: round(median(verifies), 3) };
}
