import { mfaCipher } from '../../functions/store/mfa-key';

// The MFA key's cipher (docs/mfa.md "The MFA key"): AES-256-GCM under a key derived from the secret.

describe('the MFA key', () => {
  const key = 'k'.repeat(40);
  test('seals and opens; a fresh IV each time; the ciphertext is not the secret', async () => {
    const cipher = mfaCipher({ mfaKey: key });
    const secret = Buffer.from('12345678901234567890');
    const a = await cipher.encrypt(secret);
    const b = await cipher.encrypt(secret);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(Buffer.from(secret).toString('base64url'));
    expect(Buffer.from(await cipher.decrypt(a))).toEqual(secret);
  });

  test('a tampered ciphertext or tag, or another key, does not open', async () => {
    const sealed = await mfaCipher({ mfaKey: key }).encrypt(Buffer.from('secret bytes here!!!'));
    const flip = (s: string) => `${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    await expect(mfaCipher({ mfaKey: key }).decrypt({ ...sealed, ct: flip(sealed.ct) })).rejects.toThrow();
    await expect(mfaCipher({ mfaKey: key }).decrypt({ ...sealed, tag: flip(sealed.tag) })).rejects.toThrow();
    await expect(mfaCipher({ mfaKey: 'x'.repeat(40) }).decrypt(sealed)).rejects.toThrow(/unknown MFA key/);
  });

  test('deployed, the key is read from its secret once and a failed read is a 503, retried next time', async () => {
    let reads = 0;
    let failing = true;
    const cipher = mfaCipher(
      { mfaKeyArn: 'arn:mfa' },
      {
        read: async () => {
          reads++;
          if (failing) throw new Error('unreachable');
          return key;
        },
      },
    );
    await expect(cipher.encrypt(Buffer.from('x'))).rejects.toThrow('unreachable');
    failing = false;
    await cipher.encrypt(Buffer.from('x'));
    await cipher.encrypt(Buffer.from('y'));
    expect(reads).toBe(2);
  });
});
