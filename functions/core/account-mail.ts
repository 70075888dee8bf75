import type { Audit } from './auth';
import type { AccountSettings } from './config';
import { ServiceUnavailableError } from './errors';
import { ONE_TIME_TOKEN_SECONDS, type OneTimeTokenKind, newOneTimeToken } from './one-time-tokens';
import type { AccountStore, MailJob, MailMessage, MailSender, UserRecord } from './ports';
import { secondsMs } from './time';

/** Messages per user per hour for each kind; beyond it the route answers the same and nothing is sent. */
export const MESSAGES_PER_USER_PER_HOUR = 3;

const HOUR_MS = 3_600_000;

/** Why a job sends nothing (audited as `reason`); undefined when it sends. */
function nothingToSend(kind: OneTimeTokenKind, user: UserRecord | undefined): string | undefined {
  if (!user) return 'unknown_user';
  if (!user.email) return 'no_email';
  // A disabled account is under an administrator's control: no self-service way back in.
  if (user.disabled) return 'disabled';
  if (kind === 'email_verify' && user.emailVerified !== false) return 'already_verified';
  return undefined;
}

/**
 * A message names the account it is about: someone may sign up with another person's address, and
 * that person must see which account a link would verify before they open it.
 */
function message(kind: OneTimeTokenKind, to: string, username: string, link: string): MailMessage {
  if (kind === 'password_reset') {
    return {
      to,
      subject: 'Reset your password',
      text:
        `Someone asked to reset the password of the account "${username}". ` +
        `To choose a new one, open this link within 30 minutes:\n\n${link}\n\n` +
        'If it was not you, ignore this message: the password stays as it is.\n',
    };
  }
  return {
    to,
    subject: 'Verify your email address',
    text:
      `Someone signed up for the account "${username}" with this address. ` +
      `If that was you, open this link within 24 hours to verify it:\n\n${link}\n\n` +
      `If it was not, ignore this message: "${username}" stays unverified and this address is not confirmed for it.\n`,
  };
}

/**
 * The mail worker (docs/http-contract.md "Passwords and accounts"): what the account routes hand off
 * runs here, after their answer, so that the answer is the same, and as fast, whether or not the user
 * exists. It decides whether to send, makes the one-time token (only its hash is stored) and sends
 * the link. A failed send throws (`ServiceUnavailableError('email')`), so that the queue tries again
 * and finally keeps the job in its dead-letter queue: nothing is lost silently.
 */
export class AccountMailer {
  constructor(
    private readonly store: AccountStore,
    private readonly sender: MailSender,
    private readonly settings: AccountSettings,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
  ) {}

  async handle(job: MailJob): Promise<'sent' | string> {
    const meta = { sourceIp: job.sourceIp, userAgent: job.userAgent };
    const event = job.kind === 'password_reset' ? 'password_reset_requested' : 'email_verification_requested';
    const user = await this.store.getUser(job.username);
    const skip = nothingToSend(job.kind, user);
    if (skip || !user?.email) {
      // A name that is no user is not logged: people type passwords into username fields.
      this.audit(event, { ...(user ? { username: user.username } : {}), reason: skip, ...meta });
      return skip ?? 'no_email';
    }
    const nowMs = this.now();
    const count = await this.store.takeCountPlace(
      { kind: 'user', username: user.username, scope: job.kind },
      { at: nowMs, windowMs: HOUR_MS, maxFailures: MESSAGES_PER_USER_PER_HOUR - 1 },
    );
    if (!count.placed) {
      this.audit(event, { username: user.username, reason: 'limited', ...meta });
      return 'limited';
    }
    const { token, hash } = newOneTimeToken();
    await this.store.putOneTimeToken({
      hash,
      kind: job.kind,
      username: user.username,
      expiresAt: nowMs + secondsMs(ONE_TIME_TOKEN_SECONDS[job.kind]),
      ...(job.kind === 'password_reset' && user.credentialVersion ? { credentialVersion: user.credentialVersion } : {}),
      ...(job.kind === 'email_verify' ? { email: user.email } : {}),
    });
    const base = job.kind === 'password_reset' ? this.settings.passwordResetUrl : this.settings.emailVerifyUrl;
    const link = `${base}?token=${token}`;
    try {
      await this.sender.send(message(job.kind, user.email, user.username, link));
    } catch (err) {
      throw new ServiceUnavailableError('email', { cause: err });
    }
    this.audit(event, { username: user.username, ...meta });
    return 'sent';
  }
}
