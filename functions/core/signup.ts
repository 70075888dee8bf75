import type { Audit, RequestMeta } from './auth';
import type { AccountSettings } from './config';
import { DomainError } from './errors';
import { windowRetryAfter } from './lockout';
import type { PasswordVerifier } from './passwords';
import { passwordPolicyProblem } from './password-policy';
import type { AccountStore, MailQueue, UserRecord } from './ports';
import { newId } from './tokens';
import { newUsernameProblem, usernameSkeleton } from './username-skeleton';

const HOUR_MS = 3_600_000;

export interface SignupRequest {
  username: string;
  password: string;
  email: string;
  fullName?: string;
}

/** POST /auth/signup (docs/http-contract.md "Passwords and accounts"): only deployed when ALLOW_SIGNUP is on. */
export class SignupService {
  constructor(
    private readonly store: AccountStore,
    private readonly queue: MailQueue,
    private readonly passwords: PasswordVerifier,
    private readonly settings: AccountSettings,
    private readonly audit: Audit,
    private readonly now: () => number = Date.now,
    /** Told when the verification message could not be handed off: the account stands, a resend will do. */
    private readonly onMailError: (err: unknown) => void = () => undefined,
    /**
     * Whether a name is the id of a client allowed client_credentials: its tokens' `sub` is that id, so
     * no user may have it (RFC 9700 §4.15; docs/authorization-server.md "Clients").
     */
    private readonly isMachineClient: (name: string) => Promise<boolean> = async () => false,
  ) {}

  /**
   * Creates the user, unverified, and hands the verification message off. The new-name rule and the
   * policy are checked first (a refusal touches nothing); then a place in the IP's hourly count (429
   * beyond SIGNUP_IP_MAX_PER_HOUR); then the look-alike claim and one conditional put (409 when the
   * name, or one that looks the same, is taken).
   */
  async signUp(request: SignupRequest, meta: RequestMeta): Promise<UserRecord> {
    const nameProblem = newUsernameProblem(request.username);
    if (nameProblem) throw new DomainError('invalid_username', nameProblem, undefined, 'username');
    const problem = passwordPolicyProblem(request.password, request.username);
    if (problem) throw new DomainError('invalid_password', problem, undefined, 'password');
    const nowMs = this.now();
    const taken = await this.store.takeCountPlace(
      { kind: 'ip', ip: meta.sourceIp ?? 'unknown', scope: 'signup' },
      { at: nowMs, windowMs: HOUR_MS, maxFailures: this.settings.signupIpMaxPerHour - 1 },
    );
    if (!taken.placed) {
      throw new DomainError('too_many_requests', 'Too many requests', windowRetryAfter(taken.record, HOUR_MS, nowMs));
    }
    if (await this.isMachineClient(request.username))
      throw new DomainError('username_taken', 'Username already registered');
    // The look-alike claim first: a name that looks like a registered one is taken too (and two
    // look-alikes signing up at once cannot both pass, since each claim is one conditional write).
    if (!(await this.store.claimName(usernameSkeleton(request.username), request.username))) {
      throw new DomainError('username_taken', 'Username already registered');
    }
    const user: UserRecord = {
      username: request.username,
      passwordHash: await this.passwords.hash(request.password),
      email: request.email,
      ...(request.fullName ? { fullName: request.fullName } : {}),
      disabled: false,
      createdAt: nowMs,
      credentialVersion: newId(),
      emailVerified: false,
    };
    if (!(await this.store.createUser(user))) throw new DomainError('username_taken', 'Username already registered');
    this.audit('signup', { username: user.username, ...meta });
    try {
      await this.queue.enqueue({ kind: 'email_verify', username: user.username, requestedAt: nowMs, ...meta });
    } catch (err) {
      this.onMailError(err);
    }
    return user;
  }
}
