import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startApp, type TestApp } from '../support/app';

// The README's "Accounts" flows, run with bash and curl exactly as printed (aimed at this test's dev
// server, with sign-up on as the README tells), each command's output compared with the `# {...}`
// line the README shows under it.

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOW_SIGNUP: 'true' });
});
afterAll(() => app.close());

const run = promisify(execFile);
const MARK = '@@@ next command @@@';

/** The sh blocks of the README's "Accounts" section (up to its deployment part). */
function accountBlocks(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Accounts\n'), readme.indexOf('\n### Email in a deployment\n'));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].replaceAll('http://127.0.0.1:8000', app.url));
}

/** Each command of a block with the output the README shows for it (undefined for an assignment). */
function commands(block: string): { line: string; shown?: unknown }[] {
  const lines = block.trim().split('\n');
  const out: { line: string; shown?: unknown }[] = [];
  for (const line of lines) {
    if (line.startsWith('# ')) out[out.length - 1].shown = JSON.parse(line.slice(2));
    else out.push({ line });
  }
  return out;
}

test('the README shows three account flows: change, forgot and reset, sign-up and verify', () => {
  expect(accountBlocks()).toHaveLength(3);
});

test.each([0, 1, 2])('account flow %i runs as printed and answers what the README shows', async (i) => {
  const cmds = commands(accountBlocks()[i]);
  // One bash: variables (ACCESS, TOKEN) carry from one command to the next, as in a terminal.
  const script = ['set -e', ...cmds.flatMap((c) => [c.line, `echo; echo '${MARK}'`])].join('\n');
  const { stdout } = await run('bash', ['-c', script], { encoding: 'utf8' });
  const outputs = stdout.split(`${MARK}\n`).slice(0, cmds.length);
  cmds.forEach((c, n) => {
    if (c.shown !== undefined) expect([c.line, JSON.parse(outputs[n])]).toEqual([c.line, c.shown]);
    else expect([c.line, outputs[n].trim()]).toEqual([c.line, '']);
  });
});
