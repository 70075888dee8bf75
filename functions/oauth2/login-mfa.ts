import { PageError } from '../core/authorization-server';
import { DomainError } from '../core/errors';
import type { ValidationIssue } from '../http/errors';
import { MFA_TOKEN_PATTERN, secondFactorOf } from '../http/mfa-request';
import { requestMeta } from '../http/request';
import type { HttpEvent, HttpResult } from '../http/types';
import { mfa } from './mfa-runtime';
import { answerOutcome, hostedPost } from './hosted-answer';
import { hostedHandler } from './hosted';
import { config, server } from './hosted-runtime';
import { mfaPage } from './pages';

/**
 * POST /oauth2/login/mfa (`mfa_token`, and `code` or `recovery_code`): the MFA step of
 * /auth/mfa/verify (its places, replay guard and recovery codes), family `hosted`, ending in an SSO
 * session. A wrong code is the code page again (401); a dead token, a 400 page.
 */
export async function loginMfa(event: HttpEvent): Promise<HttpResult> {
  const { fields, pending, client } = await hostedPost(event);
  const mfaToken = fields.get('mfa_token') ?? '';
  if (!MFA_TOKEN_PATTERN.test(mfaToken)) throw new PageError(400, 'This sign-in step has expired; start again.');
  const again = (status: number, error: string, headers: Record<string, string> = {}) =>
    mfaPage({ pending, mfaToken, issuer: config.issuer }, { status, error, headers });
  const issues: ValidationIssue[] = [];
  const proof = secondFactorOf(Object.fromEntries(fields), issues);
  if (!proof) return again(400, 'Enter the 6-digit code or a recovery code');
  try {
    const outcome = await server.login(pending, client, (extras) =>
      mfa.verify(mfaToken, proof, requestMeta(event), { family: 'hosted', clientId: client.id, extras }),
    );
    return answerOutcome(outcome);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    if (err.code === 'invalid_code') return again(401, 'Invalid code');
    if (err.code === 'login_locked')
      return again(429, 'Too many failed attempts: wait a moment and try again', {
        'Retry-After': String(err.retryAfterSeconds ?? 1),
      });
    if (err.code === 'invalid_mfa_token') throw new PageError(400, 'This sign-in step has expired; start again.');
    throw err;
  }
}

export const handler = hostedHandler(loginMfa);
