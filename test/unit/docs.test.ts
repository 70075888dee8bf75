import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { blocksOf, commandsOf, docFiles, matchesShown, slugOf } from '../support/doc-blocks';

// The README and the guides under docs/: links that resolve, shell blocks that a test runs or that
// say why none can (test/integration/docs-commands.test.ts runs them), a README read in five minutes.

const files = docFiles();
const read = (f: string) => readFileSync(f, 'utf8');
/** The text of a markdown file outside its fenced code blocks (links in code are not links). */
const prose = (f: string) => read(f).replace(/^\s*```[\s\S]*?^\s*```\s*$/gm, '');
const headingsOf = (f: string) => [...read(f).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slugOf(m[1].replace(/`/g, '')));

describe('the documentation', () => {
  test('covers the README and every guide', () => {
    expect(files).toContain('README.md');
    expect(files.filter((f) => f.startsWith('docs/')).length).toBeGreaterThan(15);
  });

  test('every relative link resolves, to a file and, when it names one, a heading of it', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const [, target] of prose(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [path, anchor] = target.split('#');
        const resolved = path ? normalize(join(dirname(file), path)) : file;
        if (!existsSync(resolved)) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor && resolved.endsWith('.md') && !headingsOf(resolved).includes(anchor))
          broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('the link check finds what is broken', () => {
    expect(slugOf('Passwords and accounts')).toBe('passwords-and-accounts');
    expect(slugOf('Try a function with sam local invoke')).toBe('try-a-function-with-sam-local-invoke');
    expect(slugOf('0001: One Lambda function per route')).toBe('0001-one-lambda-function-per-route');
  });

  test('every shell block is run by a test against npm start, or says why it cannot be', () => {
    const unmarked = files
      .flatMap(blocksOf)
      .filter((b) => b.lang === 'sh')
      .filter((b) => !b.marker || (b.marker.kind === 'skip' && b.marker.reason.length < 12))
      .map((b) => `${b.file}:${b.line}`);
    expect(unmarked).toEqual([]);
  });

  test('a run block shows each command output under it, as JSON or as text', () => {
    const block = [
      'API=http://x',
      'curl -s "$API/a" \\',
      '  -d u=1',
      '# {"access_token":"...","expires_in":900}',
      'curl -s "$API/me"',
      '# hello',
    ].join('\n');
    const [login, me] = commandsOf(block).slice(1);
    expect(login).toEqual({ line: 'curl -s "$API/a" -d u=1', shown: ['{"access_token":"...","expires_in":900}'] });
    expect(me.shown).toEqual(['hello']);
    expect(matchesShown({ a: '...', n: 1 }, { a: 'eyJ', n: 1 })).toBe(true);
    expect(matchesShown({ a: '...', n: 1 }, { a: 'eyJ', n: 1, extra: true })).toBe(false);
    expect(matchesShown({ a: '...' }, { a: 7 })).toBe(false);
  });

  test('the docs commands use one base URL, set once per page', () => {
    for (const file of files) {
      const runs = blocksOf(file).filter((b) => b.marker?.kind === 'run');
      if (runs.length === 0) continue;
      const text = runs.map((b) => b.text).join('\n');
      // The address appears once, in `API=...`; every command says "$API".
      expect([file, text.match(/http:\/\/127\.0\.0\.1:\d+/g)]).toEqual([file, ['http://127.0.0.1:8000']]);
      expect([file, text.split('\n')[0]]).toEqual([file, 'API=http://127.0.0.1:8000']);
    }
  });

  const readme = read('README.md');
  test('the README is read top to bottom in five minutes: at most 350 lines, the two commands, the guides', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(350);
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    const guides = files.filter((f) => /^docs\/[^/]+\.md$/.test(f));
    const linked = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
    expect(guides.filter((g) => !linked.includes(g))).toEqual([]);
  });

  test("the README's Node 24 lines are the ones .ci/run runs", () => {
    const block = blocksOf('README.md').find((b) => b.text.includes('node@24'))!;
    const ci = read('.ci/run')
      .split('\n')
      .map((l) => l.trim());
    for (const line of block.text.split('\n').slice(1)) expect([line, ci.includes(line)]).toEqual([line, true]);
    expect(block.text.split('\n')[0]).toBe('dir="$HOME/.cache/auth-api-node24" && mkdir -p "$dir"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell line, quoted as it stands in .ci/run
    expect(read('.ci/run')).toContain('dir="${XDG_CACHE_HOME:-$HOME/.cache}/auth-api-node24"');
  });
});
