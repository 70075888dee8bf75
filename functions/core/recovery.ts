import type { Audit, RequestMeta } from './auth';
import type { LockoutSettings } from './config';
import { DomainError } from './errors';
import { windowRetryAfter } from './lockout';
import { type OneTimeTokenKind, oneTimeTokenHash } from './one-time-tokens';
import type { AccountStore, MailQueue, OneTimeTokenRecord } from './ports';
import { secondsMs } from './time';

export const invalidToken = () => new DomainError('invalid_one_time_token', 'Invalid or expired token');

/**
 * Forgot, verify and resend (docs/http-contract.md "Passwords and accounts"); the reset, which sets a
 * password, is core/password-reset.ts (only what sets passwords bundles the policy). The routes that
 * ask for a message do the same work whoever is named (a per-IP count and a hand-off to the mail
 * worker, core/account-mail.ts), so neither their answer nor their latency says who exists.
 */
export class RecoveryService {
  constructor(
    private readonly store: AccountStore,
    private readonly queue: MailQueue,
    private readonly lockout: LockoutSettings,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
    private readonly onCleanupError: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * POST /auth/password/forgot and /auth/email/verify/resend: counts the request against its source
   * IP (429 beyond LOGIN_IP_MAX_FAILURES per window), then hands the job off. A failed hand-off is a
   * 503, for every username alike: the request did not take effect and may be repeated.
   */
  async requestMessage(kind: OneTimeTokenKind, username: string, meta: RequestMeta): Promise<void> {
    const nowMs = this.now();
    const windowMs = secondsMs(this.lockout.windowSeconds);
    const taken = await this.store.takeCountPlace(
      { kind: 'ip', ip: meta.sourceIp ?? 'unknown', scope: kind },
      { at: nowMs, windowMs, maxFailures: this.lockout.ipMaxFailures - 1 },
    );
    if (!taken.placed) {
      throw new DomainError('too_many_requests', 'Too many requests', windowRetryAfter(taken.record, windowMs, nowMs));
    }
    await this.queue.enqueue({ kind, username, requestedAt: nowMs, ...meta });
  }

  /** POST /auth/email/verify: the address the link was sent to is verified, if it is still the user's. */
  async verifyEmail(token: string, meta: RequestMeta): Promise<void> {
    const record = await this.liveToken(token, 'email_verify');
    const written = await this.useToken(record, () =>
      this.store.markEmailVerified(record.username, record.email ?? ''),
    );
    if (!written) throw invalidToken();
    this.audit('email_verified', { username: record.username, ...meta });
  }

  /** The token's record, if the token is well formed, known, of this kind and unexpired; 400 otherwise. */
  async liveToken(token: string, kind: OneTimeTokenKind): Promise<OneTimeTokenRecord> {
    const hash = oneTimeTokenHash(token);
    if (!hash) throw invalidToken();
    const record = await this.store.getOneTimeToken(hash);
    if (!record || record.kind !== kind || record.expiresAt <= this.now()) throw invalidToken();
    return record;
  }

  /**
   * Uses the token up, then runs the write it allows. Only one caller gets past the delete; if the
   * write then fails on the store, the token goes back so the link still works (nothing half-written).
   */
  async useToken(record: OneTimeTokenRecord, write: () => Promise<boolean>): Promise<boolean> {
    if (!(await this.store.consumeOneTimeToken(record.hash, this.now()))) throw invalidToken();
    try {
      return await write();
    } catch (err) {
      await this.store.restoreOneTimeToken(record).catch(this.onCleanupError);
      throw err;
    }
  }
}
