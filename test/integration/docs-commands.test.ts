import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { blocksOf, commandsOf, type DocBlock, docFiles, matchesShown } from '../support/doc-blocks';

// The README's and the guides' `doc-test: run` blocks, run as printed with bash and curl against a
// real `npm start` (its own process, its own embedded store, the environment the marker names), each
// command's output compared with the one the page shows under it. The blocks of a page run in one
// shell, in order, as a reader runs them in one terminal: variables carry from one to the next.

const run = promisify(execFile);
const MARK = '@@@ next command @@@';
/** How many run blocks each page has: a marker dropped by mistake would otherwise just stop a test. */
const EXPECTED: Record<string, number> = {
  'README.md': 3,
  'docs/accounts.md': 4,
  'docs/clients.md': 2,
  'docs/events.md': 1,
  'docs/mfa.md': 2,
  'docs/protecting-your-api.md': 1,
  'docs/sign-in-from-your-app.md': 2,
};

const runBlocks = docFiles()
  .flatMap(blocksOf)
  .filter((b): b is DocBlock & { marker: { kind: 'run'; env: Record<string, string> } } => b.marker?.kind === 'run');
const pages = [...new Set(runBlocks.map((b) => b.file))];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** `npm start` as a reader runs it (bin/local.ts through tsx), on free ports: resolves with its URL. */
async function npmStart(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(await freePort()),
      STORE_PORT: String(await freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const m = out.match(/auth-api listening on (\S+)/);
      if (m) resolve({ url: m[1], child });
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    child.on('exit', (code) => reject(new Error(`npm start exited ${code}: ${err}`)));
  });
}

test('every page with run blocks has the number of them it should', () => {
  const counts = Object.fromEntries(pages.map((p) => [p, runBlocks.filter((b) => b.file === p).length]));
  expect(counts).toEqual(EXPECTED);
});

describe.each(pages)('%s', (page) => {
  const blocks = runBlocks.filter((b) => b.file === page);
  const env = blocks[0].marker.env;
  let server: { url: string; child: ChildProcess };
  const dir = mkdtempSync(join(tmpdir(), 'auth-docs-'));
  beforeAll(async () => {
    server = await npmStart(env);
  }, 60_000);
  afterAll(() => {
    server?.child.kill();
  });

  test('each command answers what the page shows', async () => {
    // One marker for the page: a page whose blocks needed two servers would be two readers.
    for (const b of blocks) expect([b.line, b.marker.env]).toEqual([b.line, env]);
    const commands = blocks.flatMap((b) => commandsOf(b.text.replaceAll('http://127.0.0.1:8000', server.url)));
    const script = ['set -e', ...commands.flatMap((c) => [c.line, `echo; echo '${MARK}'`])].join('\n');
    const { stdout } = await run('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    const outputs = stdout.split(`${MARK}\n`).slice(0, commands.length);
    expect(outputs).toHaveLength(commands.length);
    for (const [i, c] of commands.entries()) {
      const actual = outputs[i].trim();
      if (c.shown.length === 0) {
        expect([c.line, actual]).toEqual([c.line, '']);
        continue;
      }
      let shown: unknown;
      try {
        shown = JSON.parse(c.shown.join('\n'));
      } catch {
        expect([c.line, actual]).toEqual([c.line, c.shown.join('\n')]);
        continue;
      }
      let parsed: unknown = actual;
      try {
        parsed = JSON.parse(actual);
      } catch {
        // not JSON: the comparison below fails, showing the command and what it printed
      }
      expect([c.line, actual, matchesShown(shown, parsed)]).toEqual([c.line, actual, true]);
    }
  }, 60_000);

  if (page === 'README.md')
    test("the cookie jar held the refresh token: the refresh after logout presented the rotated one's session", () => {
      expect(readFileSync(join(dir, 'cookies.txt'), 'utf8')).toMatch(/\trefresh_token\t/);
    });
});
