import type { PendingAuthorization } from '../core/authorization-ports';
import type { Client } from '../core/clients';
import { escapeHtml as e, htmlPage } from '../http/html';
import type { HttpResult } from '../http/types';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-script';

/**
 * The hosted pages (docs/authorization-server.md "Hosted pages"): template strings, every value
 * escaped, English strings here alone (`ui_locales` is ignored). Element ids are the contract's:
 * `#username`, `#password`, `#passkey`, `#code`, `#recovery_code`, `#allow`, `#deny`, `#error`.
 */
export const STRINGS = {
  signIn: 'Sign in',
  to: 'to continue to',
  username: 'Username',
  password: 'Password',
  passkey: 'Sign in with a passkey',
  code: 'Code from your authenticator app',
  recoveryCode: 'Or a recovery code',
  verify: 'Verify',
  consentTitle: 'Allow access?',
  unverified: 'This application registered itself: it is unverified.',
  wants: 'wants to',
  sendsTo: 'You will be sent to',
  allow: 'Allow',
  deny: 'Deny',
  signedOut: 'You are signed out.',
  problem: 'Something went wrong',
} as const;

interface PageOptions {
  status?: number;
  redirectUri?: string;
  cookies?: string[];
  headers?: Record<string, string>;
}

function page(title: string, main: string, options: PageOptions = {}): HttpResult {
  const head =
    '<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${e(title)}</title><style>${PAGE_STYLE}</style>`;
  const body =
    `<!doctype html><html lang="en"><head>${head}</head><body><main>${main}</main>` +
    `<script>${PAGE_SCRIPT}</script></body></html>`;
  return htmlPage(options.status ?? 200, body, { script: PAGE_SCRIPT, style: PAGE_STYLE, ...options });
}

const errorLine = (error: string | undefined) =>
  `<p id="error" role="alert"${error ? '' : ' hidden'}>${error ? e(error) : ''}</p>`;
const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${e(value)}">`;
/** A labelled input; `attributes` are ours (constants), `value` is escaped. */
const field = (id: string, label: string, attributes: string, value?: string) =>
  `<label for="${id}">${label}</label><input id="${id}" name="${id}" ${attributes}` +
  `${value === undefined ? '' : ` value="${e(value)}"`}>`;
const form = (action: string, inner: string, attributes = '') =>
  `<form method="post" action="${e(action)}"${attributes}>${inner}</form>`;

/** The login form: username and password, and (with passkeys on) the passkey button. */
export function loginPage(
  page_: { pending: PendingAuthorization; client: Client; issuer: string; passkeys: boolean },
  { error, username, ...options }: PageOptions & { error?: string; username?: string } = {},
): HttpResult {
  const { pending, client, issuer, passkeys } = page_;
  const name = username ?? pending.request.loginHint ?? '';
  const passkeyForm = passkeys
    ? form(
        `${issuer}/oauth2/login/passkey`,
        `${hidden('authz', pending.id)}<input type="hidden" name="credential" value="">` +
          `<button type="button" id="passkey" hidden>${STRINGS.passkey}</button>`,
        ` id="passkey-form" data-options="${e(issuer)}/auth/passkeys/login/options"`,
      )
    : '';
  const password = form(
    `${issuer}/oauth2/login/password`,
    hidden('authz', pending.id) +
      field('username', STRINGS.username, 'autocomplete="username webauthn" required', name) +
      field('password', STRINGS.password, 'type="password" autocomplete="current-password" required') +
      `<button type="submit">${STRINGS.signIn}</button>`,
  );
  return page(
    STRINGS.signIn,
    `<h1>${STRINGS.signIn}</h1><p class="muted">${STRINGS.to} ${e(client.name)}</p>` +
      `${errorLine(error)}${password}${passkeyForm}`,
    { redirectUri: pending.request.redirectUri, ...options },
  );
}

/** The second factor: a TOTP code or a recovery code, with the pending MFA token hidden. */
export function mfaPage(
  { pending, mfaToken, issuer }: { pending: PendingAuthorization; mfaToken: string; issuer: string },
  { error, ...options }: PageOptions & { error?: string } = {},
): HttpResult {
  const codes = form(
    `${issuer}/oauth2/login/mfa`,
    hidden('authz', pending.id) +
      hidden('mfa_token', mfaToken) +
      field('code', STRINGS.code, 'inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}"') +
      field('recovery_code', STRINGS.recoveryCode, 'autocomplete="off"') +
      `<button type="submit">${STRINGS.verify}</button>`,
  );
  return page(STRINGS.verify, `<h1>${STRINGS.verify}</h1>${errorLine(error)}${codes}`, {
    redirectUri: pending.request.redirectUri,
    ...options,
  });
}

/** Consent: the client, "unverified" for a registered-by-itself one, where the browser goes, each scope's text. */
export function consentPage(
  page_: { pending: PendingAuthorization; client: Client; issuer: string; scopes: Readonly<Record<string, string>> },
  options: PageOptions = {},
): HttpResult {
  const { pending, client, issuer, scopes } = page_;
  let host = pending.request.redirectUri;
  try {
    host = new URL(host).host || host;
  } catch {
    // shown as registered
  }
  const items = pending.request.scope.map((s) => `<li>${e(scopes[s] ?? s)}</li>`).join('');
  const decision = (value: 'allow' | 'deny', label: string) =>
    form(
      `${issuer}/oauth2/consent`,
      `${hidden('authz', pending.id)}${hidden('decision', value)}<button type="submit" id="${value}">${label}</button>`,
    );
  return page(
    STRINGS.consentTitle,
    `<h1>${STRINGS.consentTitle}</h1><p><strong>${e(client.name)}</strong> ${STRINGS.wants}:</p><ul>${items}</ul>` +
      (client.source === 'dcr' ? `<p class="muted">${STRINGS.unverified}</p>` : '') +
      `<p class="muted">${STRINGS.sendsTo} ${e(host)}</p>${errorLine(undefined)}` +
      `<div class="row">${decision('allow', STRINGS.allow)}${decision('deny', STRINGS.deny)}</div>`,
    { redirectUri: pending.request.redirectUri, ...options },
  );
}

/** A refusal shown, never redirected: 400 (bad request, expired sign-in), 403 (CSRF, framing, a fetch), 503. */
export function errorPage(status: number, message: string, options: PageOptions = {}): HttpResult {
  return page(STRINGS.problem, `<h1>${STRINGS.problem}</h1>${errorLine(message)}`, { status, ...options });
}

export function signedOutPage(options: PageOptions = {}): HttpResult {
  return page(STRINGS.signedOut, `<h1>${STRINGS.signedOut}</h1>`, options);
}
