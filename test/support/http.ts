import { createPublicKey } from 'node:crypto';
import { SignJWT, decodeJwt, importJWK } from 'jose';
import { keyOf } from '../../functions/core/keys';
import { attackerKeySet, testKeySet } from './keys';
import { TEST_SECRET } from './app';
import { openApiProblem } from './openapi';

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: reply bodies are arbitrary JSON; each test asserts the shape it expects
  body: any;
  setCookies: string[];
}

/** One real HTTP request to the dev server. */
export async function request(
  url: string,
  method: string,
  options: { cookie?: string; bearer?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie !== undefined) headers.cookie = `refresh_token=${options.cookie}`;
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  const res = await fetch(url, { method, headers, body: options.body });
  const text = await res.text();
  // Every answer must be one the OpenAPI document describes (docs/openapi.json).
  const problem = openApiProblem(method, url, res.status, res.headers, text);
  if (problem) throw new Error(`response breaks the OpenAPI document: ${problem}`);
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text, assertions will say so */
  }
  return { status: res.status, headers: res.headers, body, setCookies: res.headers.getSetCookie() };
}

/** A form-encoded request body with its content type. */
export const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** POST /auth/token with a form body, whatever the answer. */
export const attemptLogin = (base: string, username: string, password: string) =>
  request(`${base}/auth/token`, 'POST', form({ username, password }));

/** The refresh token a response set, if any. */
export const refreshCookieOf = (reply: Reply): string | undefined =>
  reply.setCookies.map((c) => c.match(/^refresh_token=([^;]*)/)?.[1]).find((v) => v !== undefined);

export interface Login {
  reply: Reply;
  access: string;
  refresh: string;
  sid: string;
}

/** Logs in with a form body and returns both tokens and the session id. */
export async function login(base: string, username = 'johndoe', password = 'secret'): Promise<Login> {
  const reply = await attemptLogin(base, username, password);
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  const refresh = refreshCookieOf(reply)!;
  return { reply, access: reply.body.access_token, refresh, sid: String(decodeJwt(refresh).sid) };
}

/** The issuer of the app under test (startApp sets it: the server's URL, as the dev server does). */
const issuer = () => process.env.TOKEN_ISSUER ?? 'serverless-auth-api';

/**
 * Signs arbitrary claims as a token of ours would be, by default with every claim of a valid one.
 * `type: 'access'` makes an access token (RS256 under the app's current `kid`, `typ: at+jwt`, no
 * `type` claim): with `key`, signed by an attacker's RSA key instead; with an HMAC `alg`, signed
 * with the published public key as the HMAC secret (the RS/HS confusion attack). Anything else is
 * a refresh-style HS256 token under `key` (default: the app's refresh secret).
 */
export async function forge(
  claims: Record<string, unknown>,
  options: { key?: string; alg?: string; iat?: number; exp?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: issuer(),
    aud: 'serverless-auth-api',
    iat: options.iat ?? now,
    exp: options.exp ?? now + 600,
    ...claims,
  };
  if (claims.type !== 'access') {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(options.key ?? TEST_SECRET));
  }
  const { type: _type, ...accessClaims } = payload as Record<string, unknown>;
  const { kid, jwk } = keyOf(await testKeySet(), 'current');
  const alg = options.alg ?? 'RS256';
  if (alg.startsWith('HS')) {
    const pem = createPublicKey({ key: { kty: 'RSA', n: String(jwk.n), e: String(jwk.e) }, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    return new SignJWT(accessClaims)
      .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode(pem));
  }
  const signer = options.key ? keyOf(await attackerKeySet(), 'current').jwk : jwk;
  return new SignJWT(accessClaims).setProtectedHeader({ alg, kid, typ: 'at+jwt' }).sign(await importJWK(signer, alg));
}

/** An unsigned token (`alg: none`) carrying the given claims. */
export function unsigned(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: issuer(), aud: 'serverless-auth-api', iat: now, exp: now + 600, ...claims };
  return `${enc({ alg: 'none', typ: claims.type === 'access' ? 'at+jwt' : 'JWT' })}.${enc(payload)}.`;
}

/** The token with its payload replaced and the original signature kept. */
export function tamper(token: string, changes: Record<string, unknown>): string {
  const [h, p, s] = token.split('.');
  const payload = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), ...changes };
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

/** The claims of a token, unverified (tests only). */
// biome-ignore lint/suspicious/noExplicitAny: tests read claims of any shape, forged ones included
export const claimsOf = (token: string) => decodeJwt(token) as Record<string, any>;
