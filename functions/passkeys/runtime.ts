import { credentialChange } from '../core/credentials';
import { PasskeyService } from '../core/passkeys';
import type { WebAuthnVerifier } from '../core/webauthn';
import { audit } from '../http/logger';
import { auth, config, housekeepingFailed, store } from '../sessions/runtime';

export { auth, config } from '../sessions/runtime';

/**
 * The composition root of the passkey routes (docs/passkeys.md): the session routes' root plus the
 * passkey service. It never reaches the MFA key, and never the WebAuthn library: only the two verify
 * functions bundle it (verify-runtime.ts); the others (register options, list, rename, delete)
 * verify no response, and their service says so if ever asked.
 */
export const passkeyService = (webauthn: () => Promise<WebAuthnVerifier>) =>
  new PasskeyService(
    store,
    auth,
    webauthn,
    {
      rpId: config.webauthn?.rpId ?? '',
      rpName: config.appName,
      origins: config.webauthn?.origins ?? [],
      maxPasskeys: config.webauthn?.maxPasskeys ?? 10,
      reauthMaxAgeSeconds: config.reauthMaxAgeSeconds,
      requireEmailVerification: config.accounts.requireEmailVerification,
    },
    audit,
    credentialChange(store, auth, housekeepingFailed('passkey_cleanup_failed')),
  );

export const passkeys = passkeyService(() => Promise.reject(new Error('no WebAuthn library in this function')));
