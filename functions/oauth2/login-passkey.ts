import { PageError } from '../core/authorization-server';
import { DomainError } from '../core/errors';
import { assertionFromText } from '../http/passkey-request';
import { requestMeta } from '../http/request';
import type { HttpEvent, HttpResult } from '../http/types';
import { passkeys } from './passkey-runtime';
import { answerOutcome, hostedPost } from './hosted-answer';
import { hostedHandler } from './hosted';
import { config, server } from './hosted-runtime';
import { loginPage } from './pages';

const FAILED: Partial<Record<DomainError['code'], string>> = {
  invalid_challenge: 'The passkey sign-in took too long; try again',
  unknown_passkey: 'This passkey is not registered here',
  passkey_login_failed: 'The passkey sign-in failed',
  login_locked: 'Too many failed attempts: wait a moment and try again',
};

/**
 * POST /oauth2/login/passkey (`credential`, set by the page's script): the passkey login of
 * /auth/passkeys/login/verify, family `hosted`, ending in an SSO session; a passkey without user
 * verification of a user with TOTP is the code page. A refusal is the login page again (401).
 */
export async function loginPasskey(event: HttpEvent): Promise<HttpResult> {
  const { fields, pending, client } = await hostedPost(event);
  if (!config.webauthn) throw new PageError(400, 'Passkeys are not configured here.');
  const again = (status: number, error: string) =>
    loginPage({ pending, client, issuer: config.issuer, passkeys: true }, { status, error });
  const parsed = assertionFromText(fields.get('credential') ?? '');
  if ('problem' in parsed) return again(400, 'The passkey sign-in did not complete; try again');
  try {
    const outcome = await server.login(pending, client, (extras) =>
      passkeys.login(parsed.credential, requestMeta(event), { family: 'hosted', clientId: client.id, extras }),
    );
    return answerOutcome(outcome);
  } catch (err) {
    const text = err instanceof DomainError ? FAILED[err.code] : undefined;
    if (!text) throw err;
    return again((err as DomainError).code === 'login_locked' ? 429 : 401, text);
  }
}

export const handler = hostedHandler(loginPasskey);
