import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { entryFile, otherFunctions, routes } from '../../functions/routes';

// The layout of docs/architecture.md "Layout", enforced: one folder per capability under functions/,
// beside the shared layers, with imports pointing one way (docs/adding-a-route.md has the recipe).

/** The repository's tracked (and new, unignored) files. */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && existsSync(f));
const read = (path: string) => readFileSync(path, 'utf8');
const source = files.filter((f) => /\.(ts|mjs|js|json)$/.test(f) && f !== 'package-lock.json');
const code = files.filter((f) => /\.(ts|mjs|js)$/.test(f));

/** Every module specifier a file imports or re-exports, statically or with import(). */
function imports(text: string): string[] {
  const found = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"`]([^'"`]+)['"`]/g)];
  return found.map((m) => m[1]);
}

/** The shared layers every capability builds on. */
const SHARED = ['core', 'store', 'http'];
/**
 * What may sit at the top of functions/: the two route tables (and the types and table accesses the
 * capabilities' rows share), the catch-all, the example routes' folder.
 */
const TOP = [
  'functions/routes.ts',
  'functions/route-access.ts',
  'functions/protected-routes.ts',
  'functions/not-found.ts',
];
/** The route table's modules, which any capability's rows or entries may import. */
const ROUTE_TABLE = ['functions/routes', 'functions/route-access'];
const functionFiles = code.filter((f) => f.startsWith('functions/'));
/** functions/<folder>/... -> folder; a top-level file -> ''. */
const folderOf = (f: string) => (f.split('/').length > 2 ? f.split('/')[1] : '');
const capabilities = [...new Set(functionFiles.map(folderOf))].filter((d) => d && !SHARED.includes(d));
/** A capability's composition root: config, clients and services built once per process. */
const isCompositionRoot = (f: string) => /(^|-)runtime\.ts$/.test(f.split('/').pop()!);

/** The files under functions/ a file imports (relative specifiers only), as repository paths. */
function localImports(file: string): string[] {
  return imports(read(file))
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => normalize(join(dirname(file), spec)))
    .filter((path) => path.startsWith('functions/'));
}

describe('codebase layout', () => {
  test('nothing under functions/ imports bin/, lib/, dev/, bench/ or the CDK (the runtime is the bottom layer)', () => {
    const offending = source
      .filter((f) => f.startsWith('functions/'))
      .flatMap((f) => imports(read(f)).map((spec) => `${f} -> ${spec}`))
      .filter((edge) => /-> (\.\.\/)+(bin|lib|dev|bench)\/|-> aws-cdk-lib|-> constructs$/.test(edge));
    expect(offending).toEqual([]);
  });

  test('the import check sees static and dynamic imports and re-exports', () => {
    const sample = [
      "import { a } from '../lib/x';",
      "const b = await import('../dev/y');",
      "import '../bench/z';",
      "export { c } from './w';",
    ].join('\n');
    expect(imports(sample)).toEqual(['../lib/x', '../dev/y', '../bench/z', './w']);
  });

  test('functions/ holds one folder per capability beside the shared layers, and little else at its top', () => {
    expect(functionFiles.filter((f) => folderOf(f) === '').sort()).toEqual([...TOP].sort());
    for (const layer of SHARED)
      expect([layer, functionFiles.some((f) => folderOf(f) === layer)]).toEqual([layer, true]);
    expect(capabilities.sort()).toEqual(
      ['accounts', 'authorizers', 'examples', 'keys', 'mail', 'mfa', 'oauth2', 'passkeys', 'sessions'].sort(),
    );
  });

  test("each route's handler is a file in a capability folder; the other functions' too", () => {
    for (const handler of [...routes.map((r) => r.handler), ...Object.values(otherFunctions)]) {
      const file = entryFile(handler);
      const inCapability = capabilities.includes(folderOf(file)) || TOP.includes(file);
      expect([handler, inCapability, isCompositionRoot(file)]).toEqual([handler, true, false]);
    }
  });

  test('the shared layers never import a capability or the route tables; core imports no other layer', () => {
    const offending = functionFiles
      .filter((f) => SHARED.includes(folderOf(f)))
      .flatMap((f) => localImports(f).map((to) => ({ f, to })))
      .filter(({ f, to }) => !SHARED.includes(folderOf(to)) || (folderOf(f) === 'core' && folderOf(to) !== 'core'))
      .map(({ f, to }) => `${f} -> ${to}`);
    expect(offending).toEqual([]);
  });

  test("an entry file imports its capability's files and the shared layers; only a composition root another's", () => {
    const offending = functionFiles
      .filter((f) => capabilities.includes(folderOf(f)) && !isCompositionRoot(f))
      .flatMap((f) => localImports(f).map((to) => ({ f, to })))
      .filter(
        ({ f, to }) => folderOf(to) !== folderOf(f) && !SHARED.includes(folderOf(to)) && !ROUTE_TABLE.includes(to),
      )
      .map(({ f, to }) => `${f} -> ${to}`);
    expect(offending).toEqual([]);
    // The rule has teeth: composition roots do build on one another (accounts on sessions, oauth2 on sessions).
    const crossing = functionFiles
      .filter((f) => isCompositionRoot(f))
      .filter((f) => localImports(f).some((to) => capabilities.includes(folderOf(to)) && folderOf(to) !== folderOf(f)));
    expect(crossing.length).toBeGreaterThan(0);
  });

  test('no source file is over 450 lines', () => {
    const long = code
      .map((f) => ({ f, lines: read(f).split('\n').length - (read(f).endsWith('\n') ? 1 : 0) }))
      .filter(({ lines }) => lines > 450)
      .map(({ f, lines }) => `${f}: ${lines}`);
    expect(long).toEqual([]);
  });

  const GENERATED = ['docs/openapi.json', 'functions/core/common-passwords.json', 'functions/core/confusables.json'];
  test('no source line is wider than the formatter width (120)', () => {
    const wide = source
      // Generated (npm run openapi) or recorded payloads: not formatted by hand.
      .filter((f) => !f.startsWith('test/events/') && !GENERATED.includes(f))
      .flatMap((f) =>
        read(f)
          .split('\n')
          .map((line, i) => ({ where: `${f}:${i + 1}`, length: line.length }))
          .filter((l) => l.length > 120),
      );
    expect(wide).toEqual([]);
  });

  test('comments point to docs/ in the repository, never to files outside it', () => {
    const outside = files.filter((f) => /\.(ts|mjs|md|json)$/.test(f) && /\b(CONTRACT|DESIGN)\.md\b/.test(read(f)));
    expect(outside).toEqual([]);
  });
});
