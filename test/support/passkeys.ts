import type { TestApp } from './app';
import { type Reply, login, request } from './http';
import { json } from './mfa';
import { type CeremonyOptions, type SoftCredential, assert, register } from './soft-authenticator';

/**
 * Test helpers for the passkey routes (docs/passkeys.md) with the software authenticator: the front
 * end's origin is `http://localhost:3000` (the test app lists it in ALLOWED_ORIGINS), the RP ID `localhost`.
 */
export const FRONT_END = 'http://localhost:3000';
const origin = { origin: FRONT_END };

export const call = (app: TestApp, method: string, path: string, bearer?: string, body?: Record<string, unknown>) =>
  request(`${app.url}${path}`, method, {
    ...(bearer ? { bearer } : {}),
    ...(body ? json(body) : {}),
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), origin: FRONT_END },
  });

/** A registration ceremony from a session: options, the authenticator's response, verify. */
export async function registerPasskey(
  app: TestApp,
  access: string,
  options: Partial<CeremonyOptions> & { name?: string } = {},
): Promise<{ credential: SoftCredential; reply: Reply; response: Record<string, unknown> }> {
  const opts = await call(app, 'POST', '/auth/passkeys/register/options', access);
  if (opts.status !== 200) throw new Error(`options: ${opts.status} ${JSON.stringify(opts.body)}`);
  const { credential, response } = register(opts.body.options, { ...origin, ...options });
  const body = { credential: response, ...(options.name ? { name: options.name } : {}) };
  const reply = await call(app, 'POST', '/auth/passkeys/register/verify', access, body);
  return { credential, reply, response };
}

/** A login ceremony: options (with a username, or none), the assertion, verify. */
export async function passkeyLogin(
  app: TestApp,
  credential: SoftCredential,
  options: Partial<CeremonyOptions> & { username?: string } = {},
): Promise<{ reply: Reply; assertion: Record<string, unknown> }> {
  const opts = await call(app, 'POST', '/auth/passkeys/login/options', undefined, {
    ...(options.username ? { username: options.username } : {}),
  });
  if (opts.status !== 200) throw new Error(`login options: ${opts.status}`);
  const assertion = assert(credential, opts.body.options.challenge, { ...origin, ...options });
  return {
    reply: await call(app, 'POST', '/auth/passkeys/login/verify', undefined, { credential: assertion }),
    assertion,
  };
}

/** A fresh user with one passkey, and the session that registered it. */
export async function userWithPasskey(app: TestApp, options: Partial<CeremonyOptions> = {}) {
  const username = await app.freshUser('passkey passphrase 1');
  const s = await login(app.url, username, 'passkey passphrase 1');
  const { credential, reply } = await registerPasskey(app, s.access, options);
  if (reply.status !== 201) throw new Error(`register: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { username, credential, access: s.access, passkey: reply.body };
}
