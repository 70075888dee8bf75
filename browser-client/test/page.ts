/**
 * The front end of the browser tests (test/browser/browser-client.test.ts), bundled from the
 * package's sources: one client per tab, made at load as an app would (the cookie session's, or with
 * `?mode=oauth` the authorization server's, which also finishes a sign-in on `/callback`), and what
 * the tests call through `window`.
 */
import { createAuthClient, type AuthClient, type MfaChallenge, type Session } from '../src/index';
import { createOAuthClient, type OAuthClient } from '../src/oauth';
import { loginWithPasskey, registerPasskey } from '../src/passkeys';

declare const API: string;
declare const CLIENT_ID: string;

const params = new URL(location.href).searchParams;
const margin = Number(params.get('margin') ?? 60);
const oauth = params.get('mode') === 'oauth' || location.pathname === '/callback';
const client: AuthClient = oauth
  ? createOAuthClient({
      issuer: API,
      clientId: CLIENT_ID,
      redirectUri: `${location.origin}/callback`,
      refreshMargin: margin,
    })
  : createAuthClient({ apiUrl: API, refreshMargin: margin });
/** Every session this tab was told of, null for a logout. */
const changes: (string | null)[] = [];
client.onChange((s) => changes.push(s?.accessToken ?? null));
let challenge: MfaChallenge | undefined;

const outcome = async (work: () => Promise<unknown>) => {
  try {
    const result = (await work()) as Session | MfaChallenge | undefined;
    if (result && 'mfaRequired' in result) {
      challenge = result;
      return { mfa: true, methods: result.methods };
    }
    return { ok: true, username: result?.username };
  } catch (err) {
    const e = err as { status?: number; detail?: unknown; message: string };
    return { ok: false, status: e.status, detail: e.detail ?? e.message };
  }
};

const page = {
  client,
  changes,
  callback: location.pathname === '/callback' ? outcome(() => (client as OAuthClient).handleRedirectCallback()) : null,
  login: (username: string, password: string) => outcome(() => client.login(username, password)),
  verify: (code: string) => outcome(() => challenge!.verify(code)),
  verifyRecoveryCode: (code: string) => outcome(() => challenge!.verifyRecoveryCode(code)),
  logout: () => outcome(() => client.logout()),
  logoutEverywhere: () => outcome(() => client.logoutEverywhere()),
  refresh: () => outcome(() => client.refresh()),
  registerPasskey: () => outcome(() => registerPasskey(client)),
  loginWithPasskey: () => outcome(() => loginWithPasskey(client)),
  signIn: () => (client as OAuthClient).signInWithRedirect(),
  /** A protected route through the client: its status. */
  status: async (path: string) => (await client.fetch(API + path)).status,
  token: () => client.session?.accessToken ?? null,
  /** Everything a script on this page can read besides memory: where a token must never be. */
  visible: () => [
    JSON.stringify({ ...localStorage }),
    JSON.stringify({ ...sessionStorage }),
    document.cookie,
    location.href,
  ],
};
Object.assign(window, { page });
