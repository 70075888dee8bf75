import { credentialChange } from '../core/credentials';
import { MfaService } from '../core/mfa';
import { mfaCipher } from '../store/mfa-key';
import { audit } from '../http/logger';
import { auth, config, housekeepingFailed, store } from '../sessions/runtime';

export { auth, config } from '../sessions/runtime';

/**
 * The composition root of the MFA routes (docs/mfa.md): the session routes' root plus the MFA key
 * and the TOTP service. Only these functions (and the OAuth token endpoint) read the MFA key, and
 * only they bundle `otpauth`.
 */
export const mfa = new MfaService(
  store,
  auth,
  mfaCipher(config),
  { appName: config.appName, reauthMaxAgeSeconds: config.reauthMaxAgeSeconds },
  audit,
  credentialChange(store, auth, housekeepingFailed('mfa_cleanup_failed')),
);
