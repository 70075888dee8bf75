import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The repository's tracked (and new, unignored) files. */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
const read = (path: string) => readFileSync(path, 'utf8');
const source = files.filter((f) => /\.(ts|mjs|js|json)$/.test(f) && f !== 'package-lock.json');

/** Every module specifier a file imports, statically or with import(). */
function imports(text: string): string[] {
  const found = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"`]([^'"`]+)['"`]/g)];
  return found.map((m) => m[1]);
}

describe('codebase layout', () => {
  test('nothing under functions/ imports bin/, lib/, dev/, bench/ or the CDK (the runtime is the bottom layer)', () => {
    const offending = source
      .filter((f) => f.startsWith('functions/'))
      .flatMap((f) => imports(read(f)).map((spec) => `${f} -> ${spec}`))
      .filter((edge) => /-> (\.\.\/)+(bin|lib|dev|bench)\/|-> aws-cdk-lib|-> constructs$/.test(edge));
    expect(offending).toEqual([]);
  });

  test('the import check sees static and dynamic imports', () => {
    const sample = "import { a } from '../lib/x';\nconst b = await import('../dev/y');\nimport '../bench/z';";
    expect(imports(sample)).toEqual(['../lib/x', '../dev/y', '../bench/z']);
  });

  const GENERATED = ['docs/openapi.json', 'functions/core/common-passwords.json'];
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
