import { execFile, execFileSync } from 'node:child_process';
import { startApp, type TestApp } from '../support/app';

// requests-oauthlib (Debian's python3-requests-oauthlib), a maintained OAuth client nobody here wrote,
// against /oauth2/token through test/clients/requests_oauthlib_client.py. .ci/run installs it and sets
// REQUIRE_PYTHON_CLIENTS=1, so CI never skips this; elsewhere it is skipped, saying why.

/** A Python that has the library: the one on PATH, else Debian's own. */
function python(): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(candidate, ['-c', 'import requests_oauthlib'], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  return undefined;
}

const PYTHON = python();
if (!PYTHON && process.env.REQUIRE_PYTHON_CLIENTS === '1')
  throw new Error('requests-oauthlib is missing: apt-get install -y python3-requests-oauthlib');
if (!PYTHON) console.warn('python3-requests-oauthlib not installed: skipping the requests-oauthlib tests');
const describeIf = PYTHON ? describe : describe.skip;

let app: TestApp;
beforeAll(async () => {
  if (PYTHON) app = await startApp();
});
afterAll(() => app?.close());

const run = (username: string, password: string) =>
  new Promise<Record<string, unknown>>((resolve, reject) =>
    execFile(
      PYTHON!,
      ['test/clients/requests_oauthlib_client.py', app.url, username, password],
      { timeout: 30_000 },
      (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(out))),
    ),
  );

describeIf('requests-oauthlib (OAuth2Session with LegacyApplicationClient)', () => {
  test('an undeclared scope is invalid_scope; no scope: tokens, refreshes; openid is granted as asked', async () => {
    const user = await app.freshUser('pw-python');
    const seen = await run(user, 'pw-python');
    // The library raises InvalidScopeError instead of recording orders:read as granted.
    expect(seen.orders_read).toBe('invalid_scope');
    expect(seen.token_keys).toEqual(
      expect.arrayContaining(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']),
    );
    // A refresh must name the login's client (client_id is informational, but binds the token to it).
    expect(seen.refresh_without_client_id).toBe('invalid_grant');
    expect(seen.refreshed).toBe(true);
    // No scope named: none granted, and the answer says so (RFC 6749 §5.1; oauthlib splits "" into [""]).
    expect(seen.token_scope).toEqual(['']);
    // openid is built in: granted as asked, so oauthlib records it without its scope-changed warning.
    expect(seen.openid).toEqual(['openid']);
    // The refused request made no session; the two that succeeded did (the refresh kept its own).
    expect(await app.sessionsOf(user)).toHaveLength(2);
  });
});
