import { execFile, execFileSync } from 'node:child_process';
import { startApp, type TestApp } from '../support/app';

// pyotp (Debian's python3-pyotp), a TOTP implementation nobody here wrote, against the MFA routes
// through test/clients/pyotp_client.py: it parses the setup's otpauth:// URI and computes every code
// itself. .ci/run installs it and sets REQUIRE_PYTHON_CLIENTS=1, so CI never skips this; elsewhere
// it is skipped, saying why. (The Node side, otpauth, is test/integration/mfa.test.ts.)

/** A Python that has pyotp and requests: the one on PATH, else Debian's own. */
function python(): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(candidate, ['-c', 'import pyotp, requests'], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  return undefined;
}

const PYTHON = python();
if (!PYTHON && process.env.REQUIRE_PYTHON_CLIENTS === '1')
  throw new Error('pyotp is missing: apt-get install -y python3-pyotp python3-requests');
if (!PYTHON) console.warn('python3-pyotp not installed: skipping the pyotp tests');
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
      ['test/clients/pyotp_client.py', app.url, username, password],
      { timeout: 60_000 },
      (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(out))),
    ),
  );

describeIf('pyotp (an authenticator app in Python)', () => {
  test('enable, the MFA step on both routes, replay and ±2 refused, a recovery code once, disable', async () => {
    const user = await app.freshUser('pw-pyotp');
    const seen = await run(user, 'pw-pyotp');
    expect(seen).toEqual({
      // Our URI, read by pyotp: the account, the issuer (the dev server's host), six digits every 30 s.
      parsed: { name: user, issuer: new URL(app.url).hostname, digits: 6, interval: 30, secret_matches: true },
      confirm: 200,
      cookie_first_factor: [403, ['detail', 'expires_in', 'mfa_methods', 'mfa_token']],
      cookie_plus_one: 200,
      cookie_same_code_again: 401,
      cookie_plus_two: 401,
      cookie_minus_two: 401,
      recovery_code: 200,
      recovery_code_again: 401,
      oauth_first_factor: [403, 'mfa_required'],
      oauth_mfa_grant: [200, ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']],
      disable: 200,
      password_alone: 200,
    });
  }, 90_000);
});
