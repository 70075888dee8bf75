import { Secret, TOTP } from 'otpauth';
import type { TestApp } from './app';
import { type Reply, form, login, refreshCookieOf, request } from './http';

/**
 * Test helpers for the MFA routes (docs/mfa.md): codes computed by `otpauth` from the secret the
 * setup answer showed, as an authenticator app would (test/clients/pyotp_client.py is the second,
 * independent implementation).
 */
export const codeAt = (secret: string, offsetSteps = 0, now = Date.now()) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: now + offsetSteps * 30_000 });

export const json = (body: Record<string, unknown>) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export interface Enrolled {
  username: string;
  password: string;
  secret: string;
  recoveryCodes: string[];
  /** The session that enabled TOTP, moved to the new credential version. */
  access: string;
  refresh: string;
}

/** A fresh user with TOTP on: login, setup, confirm with the current code. */
export async function enrolledUser(app: TestApp, password = 'mfa passphrase 1'): Promise<Enrolled> {
  const username = await app.freshUser(password);
  const s = await login(app.url, username, password);
  const setup = await request(`${app.url}/auth/mfa/totp/setup`, 'POST', { bearer: s.access });
  if (setup.status !== 200) throw new Error(`setup: ${setup.status} ${JSON.stringify(setup.body)}`);
  const confirm = await request(`${app.url}/auth/mfa/totp/confirm`, 'POST', {
    bearer: s.access,
    ...json({ code: codeAt(setup.body.secret) }),
  });
  if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  return {
    username,
    password,
    secret: setup.body.secret,
    recoveryCodes: confirm.body.recovery_codes,
    access: s.access,
    refresh: refreshCookieOf(confirm)!,
  };
}

/**
 * Lets the next code be accepted at once: the replay guard accepts only steps after the last one used,
 * and the confirm used the current step (arranging the table, as a test may; the guard itself is
 * tested without this).
 */
export const forgetLastStep = (app: TestApp, username: string) => app.updateUser(username, { totpLastStep: 0 });

/** The password step of a cookie login of a user with MFA on: the 403 and its token. */
export async function firstFactor(app: TestApp, username: string, password: string): Promise<string> {
  const reply = await request(`${app.url}/auth/token`, 'POST', form({ username, password }));
  if (reply.status !== 403 || !reply.body.mfa_token) throw new Error(`expected MFA required, got ${reply.status}`);
  return reply.body.mfa_token;
}

export const verify = (app: TestApp, fields: Record<string, string>): Promise<Reply> =>
  request(`${app.url}/auth/mfa/verify`, 'POST', json(fields));
