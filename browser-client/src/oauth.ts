/**
 * Apps on another site (docs/browser-client.md "Apps on another site"): the authorization code flow
 * with PKCE against the API's authorization server, its hosted sign-in page doing the login. The
 * refresh token is kept in memory like the access token and handed between this app's tabs over the
 * channel, so one refresh at a time still serves them all; with every tab closed the app signs in
 * again (a redirect that SSO answers without a password while the SSO session lives).
 */
import { AuthClient, type ClientOptions, type Session } from './client';

export interface OAuthOptions extends Omit<ClientOptions, 'apiUrl'> {
  /** The API's issuer (its base URL). */
  issuer: string;
  clientId: string;
  /** Registered for the client, exactly. */
  redirectUri: string;
  /** Space-separated (`openid` by default). */
  scope?: string;
}

/** Where the PKCE verifier and state wait for the redirect back (not a token: those never leave memory). */
const PENDING = 'auth-api:pkce';
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export class OAuthClient extends AuthClient {
  private refreshToken?: string;

  constructor(private readonly o: OAuthOptions) {
    super({ ...o, apiUrl: o.issuer });
  }

  /** Goes to the hosted sign-in page; the browser comes back to `redirectUri` with a code. */
  async signInWithRedirect({ prompt }: { prompt?: 'login' | 'consent' | 'none' } = {}): Promise<void> {
    const verifier = random();
    const state = random();
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
    sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.o.clientId,
      redirect_uri: this.o.redirectUri,
      scope: this.o.scope ?? 'openid',
      state,
      code_challenge: base64url(new Uint8Array(digest)),
      code_challenge_method: 'S256',
      ...(prompt ? { prompt } : {}),
    });
    location.assign(`${this.apiUrl}/oauth2/authorize?${query}`);
  }

  /**
   * On the redirect URI: checks `state` and `iss` (RFC 9207), redeems the code with its verifier, and
   * takes the code out of the address bar. An `error` from the server is an Error with its code.
   */
  async handleRedirectCallback(url = location.href): Promise<Session> {
    const params = new URL(url).searchParams;
    const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? '{}');
    sessionStorage.removeItem(PENDING);
    history.replaceState(null, '', this.o.redirectUri);
    if (!pending.state || params.get('state') !== pending.state) throw new Error('state does not match');
    if (params.get('iss') !== this.apiUrl) throw new Error('iss is not this issuer');
    const error = params.get('error');
    if (error) throw new Error(error);
    const res = await this.token_({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: this.o.redirectUri,
      code_verifier: pending.verifier,
    });
    if (!res.ok) throw this.error(res, await res.json().catch(() => ({})));
    return this.take(await res.json());
  }

  /** Ends the session at the API (RFC 7009 revocation of its refresh token), in every tab. */
  override async logout(): Promise<void> {
    const token = this.refreshToken;
    if (token) {
      const res = await this.retried(() =>
        this.call('/oauth2/revoke', { form: { token, client_id: this.o.clientId } }),
      );
      if (!res.ok) throw this.error(res, await res.json().catch(() => ({})));
    }
    this.refreshToken = undefined;
    this.set(null, true);
  }

  /** No cookie to restore from: only another tab's tokens. */
  protected override async restore(): Promise<Session | null> {
    return null;
  }

  protected override async renew(): Promise<Session | null> {
    const token = this.refreshToken;
    if (!token) return this.set(null, true);
    const res = await this.retried(() => this.token_({ grant_type: 'refresh_token', refresh_token: token }));
    if (res.status === 400 || res.status === 401) return this.set(null, true);
    if (!res.ok) throw this.error(res, await res.json().catch(() => ({})));
    return this.take(await res.json());
  }

  protected override extra(): string | undefined {
    return this.refreshToken;
  }

  protected override adopt(extra?: string): void {
    if (extra) this.refreshToken = extra;
  }

  private take(body: Record<string, string>): Session {
    this.refreshToken = body.refresh_token;
    return this.set(this.sessionOf(body), true)!;
  }

  private token_(fields: Record<string, string>): Promise<Response> {
    return this.p.fetch(`${this.apiUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, client_id: this.o.clientId }),
    });
  }
}

/** The client of an app signing in through the authorization server: create it once, at start-up. */
export const createOAuthClient = (options: OAuthOptions) => new OAuthClient(options);
