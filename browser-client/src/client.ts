/**
 * The browser client's core (docs/browser-client.md): a session whose access token lives only in
 * memory, refreshed shortly before it expires, by one tab at a time for all the tabs of an origin
 * (the Web Locks API), which hand each other new tokens and logouts (BroadcastChannel). No runtime
 * dependency: it must stay under 4 KB minified and gzipped (test/unit/browser-client-size.test.ts).
 */

/** A signed-in session, as this tab holds it (in memory only). */
export interface Session {
  accessToken: string;
  /** When the access token expires, epoch milliseconds (this tab's clock). */
  expiresAt: number;
  /** The token's `sub`: the username. */
  username: string;
}

/** A login whose password (or passkey) was right and whose second factor is due (`mfa_required`). */
export interface MfaChallenge {
  mfaRequired: true;
  methods: string[];
  /** Seconds the challenge lives. */
  expiresIn: number;
  /** A 6-digit TOTP code: the session, or an AuthError (a wrong code leaves the challenge usable). */
  verify(code: string): Promise<Session>;
  verifyRecoveryCode(code: string): Promise<Session>;
}

/** An answer of the API that is not what was asked: its status, `detail`, and `Retry-After` on a 429. */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly detail?: unknown,
    readonly retryAfter?: number,
  ) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
  }
}

/** What the client uses of the browser; tests and unusual hosts pass their own. */
export interface Platform {
  fetch: typeof fetch;
  /** `navigator.locks`; without it each tab still sends one refresh at a time. */
  locks?: { request<T>(name: string, work: () => Promise<T>): Promise<T> };
  /** A BroadcastChannel of this name (absent: this tab alone). */
  channel?: (name: string) => Pick<BroadcastChannel, 'postMessage' | 'onmessage' | 'close'>;
  now: () => number;
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimeout: (timer: unknown) => void;
  /** Calls `run` when the tab may have slept or been offline (visible again, online, resumed). */
  onWake?: (run: () => void) => void;
}

export interface ClientOptions {
  /** The API's base URL, e.g. `https://api.example.com`. */
  apiUrl: string;
  /** Seconds before the access token expires when it is refreshed (60). */
  refreshMargin?: number;
  /** The lock's and channel's name, shared by the tabs of one app (`auth-api:<apiUrl>`). */
  name?: string;
  platform?: Partial<Platform>;
}

/** A message between tabs: a new token (with what the grant needs, `x`), a logout, a new tab asking. */
type Message = { t: 'token'; s: Session; x?: string } | { t: 'out' } | { t: 'hello' };
// biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, read field by field
type Body = Record<string, any>;

const browser = (): Platform => {
  const g = globalThis;
  return {
    fetch: (...a) => g.fetch(...a),
    locks: g.navigator?.locks,
    channel: g.BroadcastChannel && ((name) => new BroadcastChannel(name)),
    now: Date.now,
    setTimeout: (run, ms) => g.setTimeout(run, ms),
    clearTimeout: (timer) => g.clearTimeout(timer as number),
    // Capturing on the window also sees `resume`, which is fired at the document (a frozen tab thawed).
    onWake: (run) => {
      for (const e of ['visibilitychange', 'online', 'pageshow', 'resume']) g.addEventListener?.(e, run, true);
    },
  };
};

const delay = (p: Platform, ms: number) => new Promise((r) => p.setTimeout(() => r(undefined), ms));

/** The JWT's payload (its `sub`): read, not verified; the API verifies it. */
function claims(token: string): Body {
  const part = token.split('.')[1] ?? '';
  return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
}

export class AuthClient {
  readonly apiUrl: string;
  session: Session | null = null;
  /** Resolves once this tab knows whether it is signed in (a token from another tab, or a refresh). */
  readonly ready: Promise<Session | null>;
  protected readonly p: Platform;
  private readonly margin: number;
  private readonly name: string;
  private readonly channel?: ReturnType<NonNullable<Platform['channel']>>;
  private readonly listeners = new Set<(session: Session | null) => void>();
  private timer: unknown;
  private pending?: Promise<Session | null>;
  /** Signed in, signed out, or not known yet (a refresh that could not reach the API). */
  private signedIn?: boolean;

  constructor(options: ClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/$/, '');
    this.margin = (options.refreshMargin ?? 60) * 1000;
    this.name = options.name ?? `auth-api:${this.apiUrl}`;
    this.p = { ...browser(), ...options.platform };
    const p = this.p;
    this.channel = p.channel?.(this.name);
    if (this.channel) this.channel.onmessage = (e) => this.receive(e.data);
    p.onWake?.(() => {
      if (this.signedIn !== false && !this.fresh()) this.refresh().catch(() => undefined);
    });
    this.ready = this.start();
  }

  /** Calls `listener` with the session on every change (login, refresh, logout); returns its removal. */
  onChange(listener: (session: Session | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `POST /auth/token`: the session, or the MFA step when the account has a second factor. */
  async login(username: string, password: string): Promise<Session | MfaChallenge> {
    return this.accept(await this.call('/auth/token', { form: { username, password } }));
  }

  /** Ends this session (the API deletes it) in every tab; an API that cannot be reached is an AuthError. */
  async logout(): Promise<void> {
    await this.end('/auth/logout');
  }

  /** Ends every session of the user, on every device. */
  async logoutEverywhere(): Promise<void> {
    await this.end('/auth/logout-all');
  }

  /** A current access token (refreshed first when it is about to expire), or undefined when signed out. */
  async token(): Promise<string | undefined> {
    await this.ready;
    if (this.fresh()) return this.session!.accessToken;
    if (this.signedIn === false) return undefined;
    try {
      return (await this.refresh())?.accessToken;
    } catch (err) {
      // The API is out of reach for now: a token that still works is better than none.
      if (this.session && this.session.expiresAt > this.p.now()) return this.session.accessToken;
      throw err;
    }
  }

  /** `fetch` with the Bearer token; a 401 refreshes once and sends the request again. */
  async fetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const send = (token?: string) => {
      const request = new Request(input instanceof Request ? input.clone() : input, init);
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return this.p.fetch(request);
    };
    const token = await this.token();
    const res = await send(token);
    if (res.status !== 401 || !token) return res;
    const renewed = await this.refresh(token);
    return renewed ? send(renewed.accessToken) : res;
  }

  /**
   * A new access token, by one tab at a time: inside the lock, a token another tab got meanwhile is
   * taken instead of a refresh of our own. `stale` is the token known to be too old.
   */
  refresh(stale = this.session?.accessToken): Promise<Session | null> {
    this.pending ??= new Promise<Session | null>((resolve, reject) => {
      this.locked(async () => {
        // Signed out by another tab while waiting (its refresh was refused, or a logout).
        if (stale && !this.session) return resolve(null);
        if (this.session && this.session.accessToken !== stale && this.fresh()) return resolve(this.session);
        resolve(await this.renew());
        // The lock is held a moment longer: a channel message and a lock grant are both tasks, in no
        // set order, and the tabs waiting must see the answer before they see the lock free.
        await delay(this.p, 100);
      }).catch(reject);
    }).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** A request to the API with this origin's cookies: `json` or `form` as its body. */
  call(path: string, { json, form, headers = {} }: { json?: Body; form?: Body; headers?: Body } = {}) {
    const type = json ? 'application/json' : 'application/x-www-form-urlencoded';
    return this.p.fetch(this.apiUrl + path, {
      method: 'POST',
      credentials: 'include',
      headers: json || form ? { 'Content-Type': type, ...headers } : headers,
      body: json ? JSON.stringify(json) : form && new URLSearchParams(form),
    });
  }

  /** A login's answer: the session (told to every tab), the MFA step, or an AuthError. */
  async accept(res: Response): Promise<Session | MfaChallenge> {
    const body = await res.json().catch(() => ({}));
    if (res.ok) return this.set(this.sessionOf(body), true)!;
    if (res.status === 403 && body.mfa_token) {
      const verify = (proof: Body) =>
        this.call('/auth/mfa/verify', { json: { mfa_token: body.mfa_token, ...proof } }).then(
          (r) => this.accept(r) as Promise<Session>,
        );
      return {
        mfaRequired: true,
        methods: body.mfa_methods,
        expiresIn: body.expires_in,
        verify: (code) => verify({ code }),
        verifyRecoveryCode: (code) => verify({ recovery_code: code }),
      };
    }
    throw this.error(res, body);
  }

  /** A session from a token answer (`access_token`, `expires_in`). */
  protected sessionOf(body: Body): Session {
    const accessToken = body.access_token;
    return { accessToken, expiresAt: this.p.now() + body.expires_in * 1000, username: claims(accessToken).sub };
  }

  protected error(res: Response, body: Body): AuthError {
    const wait = Number(res.headers.get('Retry-After'));
    return new AuthError(res.status, body.detail ?? body.error_description ?? body.error, wait || undefined);
  }

  /** A new tab: a token from another tab if one answers within 100 ms, else its own refresh. */
  protected async start(): Promise<Session | null> {
    this.post({ t: 'hello' });
    for (let i = 0; i < 10 && !this.session; i++) await delay(this.p, 10);
    return this.session ?? this.restore().catch(() => null);
  }

  /** Without a token from another tab: the refresh cookie, if the browser has one. */
  protected restore(): Promise<Session | null> {
    return this.refresh();
  }

  /** The refresh itself (the refresh cookie): a 401 means the session is over, in every tab. */
  protected async renew(): Promise<Session | null> {
    const res = await this.retried(() => this.call('/auth/refresh'));
    if (res.status === 401) return this.set(null, true);
    return this.accept(res) as Promise<Session>;
  }

  /** What another tab needs besides the session to refresh it (the OAuth refresh token). */
  protected extra(): string | undefined {
    return undefined;
  }

  protected adopt(_extra?: string): void {}

  /**
   * A request the API answers the same way twice (a refresh inside the grace window, a logout): sent
   * again after a lost answer, a 5xx, or a 429 (after its Retry-After, at most a minute).
   */
  protected async retried(send: () => Promise<Response>): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      try {
        res = await send();
        if (res.status !== 429 && res.status < 500) return res;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
      if (res && attempt >= 3) return res;
      const after = Number(res?.headers.get('Retry-After'));
      await delay(this.p, after ? Math.min(after, 60) * 1000 : 250 * 2 ** attempt);
    }
  }

  protected set(session: Session | null, tell: boolean): Session | null {
    this.session = session;
    this.signedIn = session !== null;
    this.p.clearTimeout(this.timer);
    if (session) {
      const wait = Math.max(0, session.expiresAt - this.margin - this.p.now());
      this.timer = this.p.setTimeout(() => this.refresh(session.accessToken).catch(() => undefined), wait);
    }
    if (tell) this.post(session ? { t: 'token', s: session, x: this.extra() } : { t: 'out' });
    for (const listener of this.listeners) listener(session);
    return session;
  }

  private fresh(): boolean {
    return !!this.session && this.session.expiresAt - this.margin > this.p.now();
  }

  private async end(path: string): Promise<void> {
    const token = await this.token().catch(() => this.session?.accessToken);
    const res = await this.retried(() =>
      this.call(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} }),
    );
    // 401: the session had already ended.
    if (!res.ok && res.status !== 401) throw this.error(res, await res.json().catch(() => ({})));
    this.set(null, true);
  }

  private locked<T>(work: () => Promise<T>): Promise<T> {
    return this.p.locks ? this.p.locks.request(this.name, work) : work();
  }

  private post(message: Message): void {
    this.channel?.postMessage(message);
  }

  private receive(m: Message): void {
    if (m.t === 'hello') {
      if (this.fresh()) this.post({ t: 'token', s: this.session!, x: this.extra() });
    } else if (m.t === 'out') {
      if (this.session) this.set(null, false);
    } else if (!this.session || m.s.expiresAt > this.session.expiresAt) {
      this.adopt(m.x);
      this.set(m.s, false);
    }
  }
}

/** The client of one API for this tab: create it once, at start-up. */
export const createAuthClient = (options: ClientOptions) => new AuthClient(options);
