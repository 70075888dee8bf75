import { createHash, randomBytes } from 'node:crypto';
import { type Client, newClientSecret } from '../../functions/core/clients';
import type { TestApp } from './app';
import { BrowserAgent, type PageReply, paramsOf } from './browser-agent';
import { type Reply, request } from './http';

/**
 * The authorization code flow by hand (docs/authorization-server.md), for the tests of its rules:
 * a PKCE pair, the authorize URL, a sign-in through the hosted page, the code redeemed.
 */
export const REDIRECT = 'http://localhost:3000/callback';

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(app: TestApp, challenge: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: 'demo-app',
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st',
    scope: 'openid',
    ...extra,
  });
  for (const [k, v] of Object.entries(extra)) if (v === '') q.delete(k);
  return `${app.url}/oauth2/authorize?${q}`;
}

/** Signs in through the login page (a fresh browser unless given): the login page and the 303 after it. */
export async function signIn(
  app: TestApp,
  { username = 'olga', password = 'pw-olga', extra = {}, browser = new BrowserAgent(app.url) } = {},
): Promise<{ browser: BrowserAgent; page: PageReply; back: PageReply; verifier: string }> {
  const { verifier, challenge } = pkce();
  const page = await browser.navigate(authorizeUrl(app, challenge, extra));
  if (page.status !== 200) throw new Error(`authorize: ${page.status} ${page.location ?? page.text.slice(0, 300)}`);
  const back = await browser.submit(page, '/oauth2/login/password', { username, password });
  return { browser, page, back, verifier };
}

export const codeOf = (reply: PageReply) => paramsOf(reply.location).code;

export function redeem(
  app: TestApp,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Reply> {
  // A field given as '' is left out.
  const all = { grant_type: 'authorization_code', client_id: 'demo-app', redirect_uri: REDIRECT, ...fields };
  const body = new URLSearchParams(Object.entries(all).filter(([, v]) => v !== ''));
  return request(`${app.url}/oauth2/token`, 'POST', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body.toString(),
  });
}

/** A registered client written straight to the table; a confidential one's secret is returned. */
export async function putClient(app: TestApp, fields: Partial<Client> & { id: string }): Promise<string | undefined> {
  const made = fields.type === 'confidential' ? newClientSecret() : undefined;
  await app.clients.putClient(
    {
      type: 'public',
      name: fields.id,
      redirectUris: [REDIRECT],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email'],
      defaultScopes: ['openid'],
      firstParty: true,
      source: 'cli',
      createdAt: Date.now(),
      ...(made ? { secretHashes: [{ hash: made.hash, createdAt: Date.now() }] } : {}),
      ...fields,
    },
    { overwrite: true },
  );
  return made?.secret;
}

/** Headers every hosted page carries (docs/authorization-server.md "Hosted pages"). */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};
