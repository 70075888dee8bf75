import { ConfigError } from './errors';

type Env = Record<string, string | undefined>;

/** The relying party passkeys are bound to (docs/passkeys.md "Configuration"). */
export interface WebAuthnSettings {
  /** WEBAUTHN_RP_ID: a host equal to or a parent of every web origin using it. */
  rpId: string;
  /** The origins a ceremony may come from: the issuer's, the allowed origins under the RP ID, WEBAUTHN_ORIGINS. */
  origins: string[];
  /** MAX_PASSKEYS_PER_USER (10). */
  maxPasskeys: number;
}

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Whether a web origin's host is the RP ID or under it (WebAuthn "registrable domain suffix"). */
export function originUnder(origin: string, rpId: string): boolean {
  try {
    const host = new URL(origin).hostname;
    return host === rpId || host.endsWith(`.${rpId}`);
  } catch {
    return false;
  }
}

/**
 * WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS and MAX_PASSKEYS_PER_USER; undefined without an RP ID (the passkey
 * routes then do not exist: changing the RP ID orphans every passkey, so it has no default). An https
 * origin outside the RP ID is refused, naming it.
 */
export function webauthnSettings(env: Env, issuer: string, allowedOrigins: readonly string[]) {
  const rpId = env.WEBAUTHN_RP_ID?.trim().toLowerCase();
  if (!rpId) return undefined;
  if (!HOST.test(rpId) || /^\d+(\.\d+){3}$/.test(rpId)) {
    throw new ConfigError(`WEBAUTHN_RP_ID must be a host name (browsers refuse IP addresses), got "${rpId}"`);
  }
  const configured = (env.WEBAUTHN_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of configured) {
    const android = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/.test(origin);
    const web = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin);
    if (!android && !(web && originUnder(origin, rpId))) {
      throw new ConfigError(
        `WEBAUTHN_ORIGINS entries must be https://host[:port] under WEBAUTHN_RP_ID "${rpId}" or ` +
          `android:apk-key-hash:<base64url>, got "${origin}"`,
      );
    }
  }
  const fromIssuer = /^https?:\/\//.test(issuer) ? [new URL(issuer).origin] : [];
  // https://<RP ID> is what iOS apps report (their associated domain) for the OAuth passkey grant.
  const origins = [...new Set([...fromIssuer, `https://${rpId}`, ...allowedOrigins, ...configured])].filter(
    (o) => o.startsWith('android:') || originUnder(o, rpId),
  );
  const max = Number(env.MAX_PASSKEYS_PER_USER ?? 10);
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw new ConfigError(`MAX_PASSKEYS_PER_USER must be an integer from 1 to 100, got "${env.MAX_PASSKEYS_PER_USER}"`);
  }
  return { rpId, origins, maxPasskeys: max } satisfies WebAuthnSettings;
}
