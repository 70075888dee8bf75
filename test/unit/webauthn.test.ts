import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { counterVerdict, clientData } from '../../functions/core/webauthn';
import { originUnder, webauthnSettings } from '../../functions/core/webauthn-config';
import { webauthnVerifier } from '../../functions/passkeys/webauthn';
import type { StoredPasskey } from '../../functions/core/passkey-ports';
import { assert, register } from '../support/soft-authenticator';

type Assertion = { response: Record<string, string> };

// The WebAuthn rules that are ours (functions/core/webauthn.ts, webauthn-config.ts) and the adapter
// over @simplewebauthn/server, with the software authenticator's responses and tampered copies.

const ORIGIN = 'http://localhost:3000';
const challenge = () => Buffer.alloc(32, Math.floor(Math.random() * 255)).toString('base64url');

describe('the counter policy (WebAuthn §6.1.1)', () => {
  test.each([
    [0, 0, 'ok'],
    [0, 1, 'ok'],
    [5, 6, 'ok'],
    [5, 5, 'regression'],
    [5, 4, 'regression'],
    [5, 0, 'regression'],
  ] as const)('stored %i, presented %i: %s', (stored, presented, verdict) => {
    expect(counterVerdict(stored, presented)).toBe(verdict);
  });
});

describe('clientData', () => {
  test('reads the challenge; anything malformed is undefined, never an exception', () => {
    const c = challenge();
    const encoded = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: c })).toString('base64url');
    expect(clientData({ response: { clientDataJSON: encoded } })).toEqual({ challenge: c, crossOrigin: undefined });
    for (const bad of [
      undefined,
      {},
      { response: { clientDataJSON: 'not json' } },
      { response: { clientDataJSON: Buffer.from('{"challenge":"short"}').toString('base64url') } },
      { response: { clientDataJSON: 'x'.repeat(5000) } },
    ])
      expect(clientData(bad)).toBeUndefined();
  });
});

describe('WEBAUTHN_RP_ID and the expected origins', () => {
  const issuer = 'https://auth.example.com';
  test('off without an RP ID; origins under it from the issuer, ALLOWED_ORIGINS and WEBAUTHN_ORIGINS', () => {
    expect(webauthnSettings({}, issuer, [])).toBeUndefined();
    const s = webauthnSettings(
      {
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_ORIGINS: `https://m.example.com,android:apk-key-hash:${'a'.repeat(43)}`,
      },
      issuer,
      ['https://app.example.com', 'https://other.org'],
    );
    expect(s).toEqual({
      rpId: 'example.com',
      origins: [
        'https://auth.example.com',
        'https://example.com', // what iOS apps report for the OAuth passkey grant
        'https://app.example.com',
        'https://m.example.com',
        `android:apk-key-hash:${'a'.repeat(43)}`,
      ],
      maxPasskeys: 10,
    });
  });

  test('an origin outside the RP ID, an IP address as RP ID, a bad limit: refused, naming them', () => {
    expect(() =>
      webauthnSettings({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://evil.org' }, issuer, []),
    ).toThrow(/https:\/\/evil.org/);
    expect(() => webauthnSettings({ WEBAUTHN_RP_ID: '127.0.0.1' }, issuer, [])).toThrow(/IP addresses/);
    expect(() => webauthnSettings({ WEBAUTHN_RP_ID: 'example.com', MAX_PASSKEYS_PER_USER: '0' }, issuer, [])).toThrow(
      /MAX_PASSKEYS_PER_USER/,
    );
  });

  test('originUnder: the host itself or a subdomain, never a look-alike suffix', () => {
    expect(originUnder('https://example.com', 'example.com')).toBe(true);
    expect(originUnder('https://a.b.example.com:8443', 'example.com')).toBe(true);
    expect(originUnder('https://badexample.com', 'example.com')).toBe(false);
    expect(originUnder('not a url', 'example.com')).toBe(false);
  });
});

describe('the adapter over @simplewebauthn/server, against the library itself', () => {
  const expected = (c: string) => ({ challenge: c, origins: [ORIGIN], rpId: 'localhost' });

  async function registered(): Promise<{ passkey: StoredPasskey; soft: ReturnType<typeof register>['credential'] }> {
    const c = challenge();
    const { credential, response } = register(
      { challenge: c, rp: { id: 'localhost' }, user: { id: 'handle' } },
      { origin: ORIGIN },
    );
    const v = await webauthnVerifier.verifyRegistration(response, expected(c));
    if (!v) throw new Error('registration refused');
    const { userVerified, ...key } = v;
    return {
      soft: credential,
      passkey: { ...key, username: 'ann', userHandle: 'handle', uvAtCreation: userVerified, name: 'p', createdAt: 0 },
    };
  }

  test('a registration gives the ES256 key, flags and transports', async () => {
    const { passkey } = await registered();
    expect(passkey).toMatchObject({ alg: -7, counter: 0, transports: ['internal'], backupEligible: false });
  });

  test('tampered assertions: our path and the library’s own call agree on every one', async () => {
    const { passkey, soft } = await registered();
    const variants: [string, (a: Assertion) => void][] = [
      ['untouched', () => undefined],
      ['signature', (a) => (a.response.signature = Buffer.alloc(70, 1).toString('base64url'))],
      ['authenticatorData flags', (a) => flip(a, 'authenticatorData', 32)],
      ['RP ID hash', (a) => flip(a, 'authenticatorData', 0)],
      ['clientDataJSON', (a) => flip(a, 'clientDataJSON', 5)],
    ];
    for (const [what, tamper] of variants) {
      const c = challenge();
      const assertion = assert(soft, c, { origin: ORIGIN }) as unknown as Assertion;
      tamper(assertion);
      const ours = await webauthnVerifier.verifyAssertion(assertion, expected(c), passkey);
      const theirs = await verifyAuthenticationResponse({
        response: assertion as never,
        expectedChallenge: c,
        expectedOrigin: ORIGIN,
        expectedRPID: 'localhost',
        credential: { id: passkey.id, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: 0 },
        requireUserVerification: false,
      }).then(
        (r) => r.verified,
        () => false,
      );
      expect([what, ours !== undefined]).toEqual([what, theirs]);
      expect([what, ours !== undefined]).toEqual([what, what === 'untouched']);
    }
  });

  test('a key that is not the stored one: refused', async () => {
    const { passkey } = await registered();
    const { soft: other } = await registered();
    const c = challenge();
    const forged = assert({ ...other, id: Buffer.from(passkey.id, 'base64url') }, c, { origin: ORIGIN });
    expect(await webauthnVerifier.verifyAssertion(forged, expected(c), passkey)).toBeUndefined();
  });
});

/** Flips one bit of a byte of a base64url member of an assertion's response. */
function flip(a: Assertion, member: string, index: number) {
  const bytes = Buffer.from(a.response[member], 'base64url');
  bytes[index] ^= 1;
  a.response[member] = bytes.toString('base64url');
}
