import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The browser client's size budget (docs/browser-client.md "Size"): its core entry, with the chunk
 * it shares with the others, at most 4 KB minified and gzipped, built exactly as `npm run
 * client:build` builds the package. The passkey entry is reported (with and without the WebAuthn
 * library), not capped: only apps that offer passkeys load it.
 */
describe('browser client package', () => {
  const out = mkdtempSync(join(tmpdir(), 'browser-client-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let sizes: Record<string, { minified: number; gzipped: number }>;

  beforeAll(() => {
    const printed = execFileSync(process.execPath, ['browser-client/build.mjs', '--json', '--outdir', out], {
      encoding: 'utf8',
    });
    sizes = JSON.parse(printed.trim().split('\n').pop()!);
  }, 60_000);

  test('the core is at most 4 KB minified and gzipped', () => {
    process.stdout.write(`browser client sizes (bytes): ${JSON.stringify(sizes)}\n`);
    expect(sizes.index.gzipped).toBeGreaterThan(1000);
    expect(sizes.index.gzipped).toBeLessThanOrEqual(4096);
  });

  test('builds every entry the package exports, with its type declarations', () => {
    const files = readdirSync(out);
    for (const entry of ['index', 'passkeys', 'oauth']) {
      expect(files).toContain(`${entry}.js`);
      expect(files).toContain(`${entry}.d.ts`);
    }
  });

  test('the core imports nothing at run time; the passkey entry only @simplewebauthn/browser', () => {
    const imports = (entry: string) => readFileSync(join(out, `${entry}.js`), 'utf8').match(/from"([^"]+)"/g) ?? [];
    expect(imports('index').every((i) => i.startsWith('from"./'))).toBe(true);
    expect(imports('passkeys').filter((i) => !i.startsWith('from"./'))).toEqual(['from"@simplewebauthn/browser"']);
  });
});
