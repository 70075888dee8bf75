/**
 * Passkeys through the client (docs/browser-client.md "Passkeys"): a separate entry, so that only
 * the apps that offer passkeys load `@simplewebauthn/browser` (the ceremonies' JSON forms, conditional
 * UI) and the core stays small.
 */
import { browserSupportsWebAuthnAutofill, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { type AuthClient, AuthError, type MfaChallenge, type Session } from './client';

const json = async (res: Response) => {
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new AuthError(res.status, body.detail);
  return body;
};

/**
 * Logs in with a passkey: the session, or the MFA step (a passkey used without user verification, for
 * an account with a second factor). `conditional` waits for the user to pick a passkey from the
 * browser's autofill (an input with `autocomplete="username webauthn"`), where the browser offers it.
 */
export async function loginWithPasskey(
  client: AuthClient,
  { username, conditional = false }: { username?: string; conditional?: boolean } = {},
): Promise<Session | MfaChallenge> {
  const { options } = await json(
    await client.call('/auth/passkeys/login/options', { json: username ? { username } : {} }),
  );
  const credential = await startAuthentication({ optionsJSON: options, useBrowserAutofill: conditional });
  return client.accept(await client.call('/auth/passkeys/login/verify', { json: { credential } }));
}

/** Adds a passkey to the signed-in user's account (a recent login is needed); the passkey as the API lists it. */
export async function registerPasskey(
  client: AuthClient,
  { name }: { name?: string } = {},
): Promise<Record<string, unknown>> {
  const post = (path: string, body?: object) =>
    client.fetch(client.apiUrl + path, {
      method: 'POST',
      ...(body ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
  const { options } = await json(await post('/auth/passkeys/register/options'));
  const credential = await startRegistration({ optionsJSON: options });
  return json(await post('/auth/passkeys/register/verify', name ? { credential, name } : { credential }));
}

/** Whether this browser can offer passkeys in autofill (conditional UI). */
export const conditionalUiAvailable = browserSupportsWebAuthnAutofill;
