import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { ServiceUnavailableError } from '../core/errors';
import type { SecretCipher } from '../core/mfa';
import type { Ciphertext } from '../core/mfa-ports';
import { KEY_CACHE_MS } from './keys';
import { readSecret } from './secrets';

/**
 * The MFA key (docs/mfa.md "The MFA key"): a secret of its own (Secrets Manager deployed, `MFA_KEY`
 * locally), read only by the functions that encrypt or check TOTP secrets, never the refresh secret
 * (which every refresh-token function reads, and whose replacement logs everyone out). HKDF-SHA-256
 * makes an AES-256-GCM key of it; every secret is sealed with a fresh 12-byte IV and the AAD
 * `totp:v1`, so a ciphertext moved to another purpose does not open.
 */
const AAD = Buffer.from('totp:v1');
const INFO = 'serverless-auth-api totp secret encryption v1';

interface MfaKey {
  kid: string;
  key: Buffer;
}

function derive(secret: string): MfaKey {
  if (secret.length < 32) throw new ServiceUnavailableError('secret', { cause: new Error('MFA key too short') });
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), INFO, 32));
  // Names the key without revealing it: a hash of the derived key, cut short.
  const kid = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  return { kid, key };
}

/** The cipher over the configured source, the key read on first use and kept like the other keys. */
export function mfaCipher(
  source: { mfaKey?: string; mfaKeyArn?: string },
  {
    now = Date.now,
    read = readSecret,
  }: { now?: () => number; read?: (arn: string) => Promise<string | undefined> } = {},
): SecretCipher {
  let entry: { at: number; key: Promise<MfaKey> } | undefined;
  const current = (): Promise<MfaKey> => {
    if (!entry || now() - entry.at >= KEY_CACHE_MS) {
      const fresh = {
        at: now(),
        key: (async () => {
          const secret = source.mfaKey ?? (source.mfaKeyArn ? await read(source.mfaKeyArn) : undefined);
          if (!secret) throw new ServiceUnavailableError('secret', { cause: new Error('MFA key missing') });
          return derive(secret);
        })(),
      };
      entry = fresh;
      fresh.key.catch(() => {
        if (entry === fresh) entry = undefined; // a failed read is not kept: the next request tries again
      });
    }
    return entry.key;
  };
  return {
    async encrypt(plain) {
      const { kid, key } = await current();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(AAD);
      const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
      const b64 = (b: Buffer) => b.toString('base64url');
      return { v: 1, kid, iv: b64(iv), ct: b64(ct), tag: b64(cipher.getAuthTag()) } satisfies Ciphertext;
    },
    async decrypt(sealed) {
      const { kid, key } = await current();
      // Sealed under another key (replaced without re-encrypting): it cannot be opened; say so loudly.
      if (sealed.v !== 1 || sealed.kid !== kid)
        throw new Error(`TOTP secret sealed under unknown MFA key ${sealed.kid}`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url')).setAAD(AAD);
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]);
    },
  };
}
