import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { Browser, CDPSession, Page } from 'puppeteer-core';
import type { LocalApi } from '../../dev/local';
import { hashPassword } from '../../functions/core/passwords';
import { createDocumentClient } from '../../functions/store/client';
import { DynamoStore } from '../../functions/store/dynamo-store';
import { addVirtualAuthenticator, freePort, launchChromium, startDevApi } from './chromium';

// Passkeys in a real browser with a real (virtual) authenticator (docs/passkeys.md): Chromium's
// DevTools Protocol authenticator (WebAuthn.addVirtualAuthenticator) answers navigator.credentials,
// and the page uses @simplewebauthn/browser, as a team's front end would. The front end is on its
// own localhost origin (RP ID `localhost`, the dev server's default), calling the dev server.

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, read field by field in asserts
type Reply = { status: number; body: Record<string, any> | null };
type PageApi = {
  api: (path: string, init?: { method?: string; json?: object; form?: string; bearer?: string }) => Promise<Reply>;
  register: (bearer: string) => Promise<Reply>;
  passkeyLogin: (username?: string) => Promise<Reply>;
  autofillLogin: () => Promise<Reply>;
};
declare const window: PageApi;
declare const PublicKeyCredential: { isConditionalMediationAvailable: () => Promise<boolean> };
declare const SimpleWebAuthnBrowser: { startRegistration: (o: object) => Promise<unknown> };

/** The front end: @simplewebauthn/browser's bundle and a page whose script runs the ceremonies. */
function frontEnd(apiUrl: string): Server {
  // The package's UMD bundle (not in its exports map: found beside its CommonJS entry).
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  const library = readFileSync(join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'));
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>passkeys</title>
<script src="/simplewebauthn.js"></script></head><body>
<input id="username" name="username" autocomplete="username webauthn">
<script>
  const API = ${JSON.stringify(apiUrl)};
  const { startRegistration, startAuthentication } = SimpleWebAuthnBrowser;
  window.api = async (path, { method = 'POST', json, form, bearer } = {}) => {
    const headers = {};
    if (json) headers['content-type'] = 'application/json';
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (bearer) headers.authorization = 'Bearer ' + bearer;
    const body = json ? JSON.stringify(json) : form;
    const res = await fetch(API + path, { method, body, headers, credentials: 'include' });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  window.register = async (bearer) => {
    const options = await api('/auth/passkeys/register/options', { bearer });
    const credential = await startRegistration({ optionsJSON: options.body.options });
    return api('/auth/passkeys/register/verify', { bearer, json: { credential } });
  };
  const signIn = async (username, useBrowserAutofill) => {
    const options = await api('/auth/passkeys/login/options', { json: username ? { username } : {} });
    const credential = await startAuthentication({ optionsJSON: options.body.options, useBrowserAutofill });
    return api('/auth/passkeys/login/verify', { json: { credential } });
  };
  window.passkeyLogin = (username) => signIn(username, false);
  window.autofillLogin = () => signIn(undefined, true);
</script></body></html>`;
  return createServer((req, res) => {
    const script = req.url === '/simplewebauthn.js';
    res.writeHead(200, { 'content-type': script ? 'text/javascript' : 'text/html; charset=utf-8' });
    res.end(script ? library : page);
  });
}

let api: LocalApi;
let browser: Browser;
let front: Server;
let frontUrl: string;
let store: DynamoStore;
let users = 0;

before(async () => {
  const frontPort = await freePort();
  frontUrl = `http://localhost:${frontPort}`;
  const started = await startDevApi(frontUrl);
  api = started.api;
  store = new DynamoStore(createDocumentClient({ DYNAMODB_ENDPOINT: api.endpoint }), api.tableName);
  front = frontEnd(started.apiUrl).listen(frontPort, '127.0.0.1');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  front?.close();
  await api?.stop();
});

const PASSWORD = 'browser passkey phrase';

/** A user of its own for each test. */
async function freshUser(): Promise<string> {
  const username = `browser-pk-${++users}`;
  const passwordHash = await hashPassword(PASSWORD, 4);
  await store.putUser({ username, passwordHash, disabled: false, createdAt: Date.now() }, { overwrite: false });
  return username;
}

interface Authenticator {
  page: Page;
  cdp: CDPSession;
  id: string;
}

/** A tab with a virtual platform authenticator of its own (resident keys; user verification as asked). */
async function tabWithAuthenticator(userVerification = true): Promise<Authenticator> {
  const page = await browser.newPage();
  await page.goto(frontUrl);
  const { cdp, id } = await addVirtualAuthenticator(page, userVerification);
  return { page, cdp, id };
}

const inPage = <K extends keyof PageApi>(page: Page, name: K, ...args: Parameters<PageApi[K]>) =>
  page.evaluate((n, a) => (window[n as K] as (...x: unknown[]) => Promise<Reply>)(...a), name, args as unknown[]);

const passwordLogin = async (page: Page, username: string) => {
  const reply = await inPage(page, 'api', '/auth/token', { form: `username=${username}&password=${PASSWORD}` });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return String(reply.body!.access_token);
};

/** How the token's session was authenticated: its `amr`, as stored (the token names the session). */
const amrOf = async (token: unknown) => {
  const { sid } = JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString());
  return (await store.getSession(sid))?.amr;
};

const whoAmI = async (page: Page, access: string) =>
  (await inPage(page, 'api', '/users/me', { method: 'GET', bearer: access })).body!.username;

/** The passkeys the API lists for the user (a password login gives the Bearer token). */
async function listed(page: Page, username: string) {
  const reply = await inPage(page, 'api', '/auth/passkeys', {
    method: 'GET',
    bearer: await passwordLogin(page, username),
  });
  return reply.body!.passkeys as { id: string; clone_suspected: boolean }[];
}

/** The authenticator's stored credentials (CDP: private key, signCount, user handle). */
async function credentialsOf(a: Authenticator) {
  const { credentials } = await a.cdp.send('WebAuthn.getCredentials', { authenticatorId: a.id });
  return credentials;
}

describe('passkeys in Chromium with a virtual authenticator and @simplewebauthn/browser', () => {
  test('register from a session, log out, log in usernameless and through autofill, delete', async () => {
    const a = await tabWithAuthenticator();
    const username = await freshUser();
    const access = await passwordLogin(a.page, username);
    const registered = await inPage(a.page, 'register', access);
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const stored = await credentialsOf(a);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].isResidentCredential, true); // discoverable: usernameless works
    assert.equal((await inPage(a.page, 'api', '/auth/logout')).status, 200);

    const usernameless = await inPage(a.page, 'passkeyLogin');
    assert.equal(usernameless.status, 200, JSON.stringify(usernameless.body));
    assert.equal(await whoAmI(a.page, String(usernameless.body!.access_token)), username);
    // User verification made it two factors.
    assert.deepEqual(await amrOf(usernameless.body!.access_token), ['hwk', 'user', 'mfa']);
    // The session's refresh cookie was set for the API, as after a password login.
    assert.equal((await inPage(a.page, 'api', '/auth/refresh')).status, 200);

    const named = await inPage(a.page, 'passkeyLogin', username);
    assert.equal(named.status, 200);

    // Autofill: conditional mediation, answered from the username field's passkey suggestions.
    assert.equal(await a.page.evaluate(() => PublicKeyCredential.isConditionalMediationAvailable()), true);
    const autofill = await inPage(a.page, 'autofillLogin');
    assert.equal(autofill.status, 200, JSON.stringify(autofill.body));
    const fresh = String(autofill.body!.access_token);
    assert.equal(await whoAmI(a.page, fresh), username);

    const [passkey] = await listed(a.page, username);
    const deleted = await inPage(a.page, 'api', `/auth/passkeys/${passkey.id}`, { method: 'DELETE', bearer: fresh });
    assert.equal(deleted.status, 204);
    assert.deepEqual(await listed(a.page, username), []);
    // The authenticator still holds it; the API no longer knows it.
    const after = await inPage(a.page, 'passkeyLogin');
    assert.deepEqual([after.status, after.body], [401, { detail: 'Unknown passkey' }]);
    await a.page.close();
  });

  test('an authenticator without user verification meets the TOTP step of a user with TOTP on', async () => {
    const a = await tabWithAuthenticator(false);
    const username = await freshUser();
    const access = await passwordLogin(a.page, username);
    const setup = await inPage(a.page, 'api', '/auth/mfa/totp/setup', { bearer: access });
    const secret = String(setup.body!.secret);
    const code = (steps: number) =>
      TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });
    const confirmed = await inPage(a.page, 'api', '/auth/mfa/totp/confirm', {
      bearer: access,
      json: { code: code(0) },
    });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    const registered = await inPage(a.page, 'register', String(confirmed.body!.access_token ?? access));
    assert.equal(registered.status, 201, JSON.stringify(registered.body));

    // Without user verification Chromium makes the credential non-discoverable: a named login, as a
    // security key without a PIN is used.
    const first = await inPage(a.page, 'passkeyLogin', username);
    assert.equal(first.status, 403, JSON.stringify(first.body));
    assert.equal(first.body!.detail, 'MFA required');
    assert.deepEqual(first.body!.mfa_methods, ['totp', 'recovery_code']);
    const second = await inPage(a.page, 'api', '/auth/mfa/verify', {
      json: { mfa_token: first.body!.mfa_token, code: code(1) },
    });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(await whoAmI(a.page, String(second.body!.access_token)), username);
    assert.equal(first.body!.access_token, undefined); // the 403 started no session
    assert.deepEqual(await amrOf(second.body!.access_token), ['hwk', 'otp', 'mfa']);
    await a.page.close();
  });

  test("a second authenticator's credentials are refused: its own, and a forged copy of a registered id", async () => {
    const a = await tabWithAuthenticator();
    const username = await freshUser();
    assert.equal((await inPage(a.page, 'register', await passwordLogin(a.page, username))).status, 201);
    const [registered] = await credentialsOf(a);

    // Another device whose credential for this RP was never registered (made by a ceremony whose
    // verify was never sent).
    const b = await tabWithAuthenticator();
    const other = await freshUser();
    const options = await inPage(b.page, 'api', '/auth/passkeys/register/options', {
      bearer: await passwordLogin(b.page, other),
    });
    await b.page.evaluate((o) => SimpleWebAuthnBrowser.startRegistration({ optionsJSON: o }), options.body!.options);
    const unknown = await inPage(b.page, 'passkeyLogin');
    assert.deepEqual([unknown.status, unknown.body], [401, { detail: 'Unknown passkey' }]);

    // A third device holding the registered credential id and user handle, but a key of its own.
    const c = await tabWithAuthenticator();
    const forgedKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await c.cdp.send('WebAuthn.addCredential', {
      authenticatorId: c.id,
      credential: {
        ...registered,
        privateKey: forgedKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
        signCount: 100,
      },
    });
    const forged = await inPage(c.page, 'passkeyLogin');
    assert.deepEqual([forged.status, forged.body], [401, { detail: 'Passkey verification failed' }]);
    // The real one still works, and nothing was flagged.
    assert.equal((await inPage(a.page, 'passkeyLogin')).status, 200);
    assert.deepEqual(
      (await listed(a.page, username)).map((p) => p.clone_suspected),
      [false],
    );
    await Promise.all([a.page.close(), b.page.close(), c.page.close()]);
  });

  test('a cloned credential whose counter goes backwards is refused and flags the passkey', async () => {
    const a = await tabWithAuthenticator();
    const username = await freshUser();
    assert.equal((await inPage(a.page, 'register', await passwordLogin(a.page, username))).status, 201);
    for (let i = 0; i < 3; i++) assert.equal((await inPage(a.page, 'passkeyLogin')).status, 200);
    const [original] = await credentialsOf(a);
    assert.ok(original.signCount >= 3, `the virtual authenticator counts: ${original.signCount}`);

    // A copy of the key taken earlier: its counter is behind the one the API stored.
    const clone = await tabWithAuthenticator();
    await clone.cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone.id,
      credential: { ...original, signCount: 1 },
    });
    const cloned = await inPage(clone.page, 'passkeyLogin');
    assert.deepEqual([cloned.status, cloned.body], [401, { detail: 'Passkey verification failed' }]);
    assert.deepEqual(
      (await listed(a.page, username)).map((p) => p.clone_suspected),
      [true],
    );
    // Flagged: refused for the original device too, until its owner deletes it.
    const original2 = await inPage(a.page, 'passkeyLogin');
    assert.deepEqual([original2.status, original2.body], [401, { detail: 'Passkey verification failed' }]);
    await Promise.all([a.page.close(), clone.page.close()]);
  });
});
