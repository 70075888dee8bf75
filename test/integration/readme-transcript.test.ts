import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type TestApp } from '../support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const run = promisify(execFile);

/** The README's curl transcript, exactly as printed, aimed at this test's server. */
function transcript(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const block = readme.match(/```sh\n(curl -s -c cookies\.txt[\s\S]*?)```/)![1];
  return block
    .trim()
    .split('\n')
    .map((line) => line.replaceAll('http://127.0.0.1:8000', app.url));
}

describe('the README curl transcript', () => {
  test('runs as pasted with curl: login, refresh (rotated into the jar), logout, then the 401', async () => {
    const lines = transcript();
    expect(lines).toHaveLength(4);
    const dir = mkdtempSync(join(tmpdir(), 'auth-readme-'));
    // One at a time, and asynchronously: the server answering curl runs in this very process.
    const out: string[] = [];
    for (const line of lines) out.push((await run('bash', ['-c', line], { cwd: dir, encoding: 'utf8' })).stdout);
    expect(JSON.parse(out[0])).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    expect(JSON.parse(out[1])).toMatchObject({ token_type: 'bearer' });
    expect(JSON.parse(out[2])).toEqual({ message: 'Successfully logged out' });
    expect(JSON.parse(out[3])).toEqual({ detail: 'Invalid refresh token' });
    // The jar held the rotated cookie: the refresh that followed logout presented the newest token.
    const jar = readFileSync(join(dir, 'cookies.txt'), 'utf8');
    expect(jar).toMatch(/\trefresh_token\t/);
  });
});
