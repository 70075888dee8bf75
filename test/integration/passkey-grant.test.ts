import { startApp, type TestApp } from '../support/app';
import { claimsOf, form, request } from '../support/http';
import { codeAt, enrolledUser, forgetLastStep, verify } from '../support/mfa';
import { FRONT_END, registerPasskey, userWithPasskey } from '../support/passkeys';
import { type CeremonyOptions, type SoftCredential, assert } from '../support/soft-authenticator';

// The passkey grant of POST /oauth2/token (docs/passkeys.md "Native apps"): a native app gets options
// from the options route, has the platform sign them, and sends the assertion as JSON text. Same rules
// as the cookie route, answered as the password grant. Apps send no Origin header; iOS reports
// https://<RP ID> as the assertion's origin.

const PASSKEY_GRANT = 'urn:serverless-auth-api:params:oauth:grant-type:passkey';
const MFA_GRANT = 'urn:serverless-auth-api:params:oauth:grant-type:mfa';
const IOS = 'https://localhost'; // https://<RP ID>

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ ALLOWED_ORIGINS: FRONT_END });
});
afterAll(() => app.close());

const oauth = (fields: Record<string, string>) => request(`${app.url}/oauth2/token`, 'POST', form(fields));

/** Options from the options route, then the assertion an app would send. */
async function appAssertion(credential: SoftCredential, options: Partial<CeremonyOptions> = {}) {
  const opts = await request(`${app.url}/auth/passkeys/login/options`, 'POST', {
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(opts.status).toBe(200);
  return assert(credential, opts.body.options.challenge, { origin: IOS, ...options });
}

const grant = (assertion: unknown, extra: Record<string, string> = {}) =>
  oauth({ grant_type: PASSKEY_GRANT, credential: JSON.stringify(assertion), ...extra });

describe('the passkey grant', () => {
  test('an assertion (origin https://<RP ID>) gives the token response; its refresh token refreshes', async () => {
    const u = await userWithPasskey(app);
    const reply = await grant(await appAssertion(u.credential), { client_id: 'ios-app' });
    expect([reply.status, reply.body.error_description]).toEqual([200, undefined]);
    expect(reply.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      scope: '',
    });
    expect(reply.headers.getSetCookie()).toEqual([]);
    expect(claimsOf(reply.body.access_token)).toMatchObject({ sub: u.username, client_id: 'ios-app' });
    const session = await app.session(claimsOf(reply.body.access_token).sid);
    expect(session).toMatchObject({ amr: ['hwk', 'user', 'mfa'] });
    // Bound to its client, as the password grant's.
    const refresh = (clientId: string) =>
      oauth({ grant_type: 'refresh_token', refresh_token: reply.body.refresh_token, client_id: clientId });
    expect((await refresh('another-app')).body.error).toBe('invalid_grant');
    expect((await refresh('ios-app')).status).toBe(200);
  });

  test('replayed, unknown, tampered: invalid_grant with the cookie route’s descriptions', async () => {
    const u = await userWithPasskey(app);
    const assertion = await appAssertion(u.credential);
    expect((await grant(assertion)).status).toBe(200);
    const replay = await grant(assertion);
    expect([replay.status, replay.body]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'Invalid or expired challenge' },
    ]);

    const stranger = await userWithPasskey(app);
    await app.store.removePasskeys(stranger.username);
    const unknown = await grant(await appAssertion(stranger.credential));
    expect([unknown.status, unknown.body]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'Unknown passkey' },
    ]);

    // Another app's origin (not configured): refused by the check, like a bad signature.
    const elsewhere = await grant(await appAssertion(u.credential, { origin: 'https://evil.example' }));
    expect([elsewhere.status, elsewhere.body]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'Passkey verification failed' },
    ]);
  });

  test('a malformed credential is invalid_request and uses nothing up: the same challenge then works', async () => {
    const u = await userWithPasskey(app);
    const assertion = await appAssertion(u.credential);
    for (const credential of ['not json', '[]', JSON.stringify({ ...assertion, type: 'password' })]) {
      const reply = await oauth({ grant_type: PASSKEY_GRANT, credential });
      expect(reply.status).toBe(400);
      expect(reply.body.error).toBe('invalid_request');
      expect(reply.body.error_description).toMatch(/^credential /);
    }
    const missing = await oauth({ grant_type: PASSKEY_GRANT });
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
    expect((await grant(assertion)).status).toBe(200);
  });

  test('without user verification, a user with TOTP on gets mfa_required, redeemed by the MFA grant only', async () => {
    const u = await enrolledUser(app);
    const { reply: registered, credential } = await registerPasskey(app, u.access, { origin: FRONT_END });
    expect(registered.status).toBe(201);
    const first = await grant(await appAssertion(credential, { uv: false }), { client_id: 'ios-app' });
    expect(first.status).toBe(403);
    expect(first.body).toEqual({
      error: 'mfa_required',
      error_description: 'Multi-factor authentication required',
      mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      mfa_methods: ['totp', 'recovery_code'],
      expires_in: 300,
    });
    await forgetLastStep(app, u.username);
    // Bound to its route family and client: not the cookie route, not another client.
    const cookie = await verify(app, { mfa_token: first.body.mfa_token, code: codeAt(u.secret) });
    expect([cookie.status, cookie.body]).toEqual([401, { detail: 'Invalid or expired MFA token' }]);
    const redeem = (clientId: string) =>
      oauth({ grant_type: MFA_GRANT, mfa_token: first.body.mfa_token, otp: codeAt(u.secret), client_id: clientId });
    expect((await redeem('another-app')).body.error).toBe('invalid_grant');
    const done = await redeem('ios-app');
    expect(done.status).toBe(200);
    expect((await app.session(claimsOf(done.body.access_token).sid))!.amr).toEqual(['hwk', 'otp', 'mfa']);
  });

  test('a browser page cannot use the grant from an unlisted origin (login CSRF, as the other grants)', async () => {
    const u = await userWithPasskey(app);
    const reply = await request(`${app.url}/oauth2/token`, 'POST', {
      ...form({ grant_type: PASSKEY_GRANT, credential: JSON.stringify(await appAssertion(u.credential)) }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    expect(reply.status).toBe(403);
  });
});
