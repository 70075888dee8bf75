import { createPublicKey } from 'node:crypto';
import { type CryptoKey, SignJWT, importJWK } from 'jose';
import { keyOf } from '../../functions/core/keys';
import { TokenError, TokenService, isId, newId } from '../../functions/core/tokens';
import { UNIT_SECRET, attackerKeySet, testKeySet, testTokenKeys } from '../support/keys';

const KEY = new TextEncoder().encode(UNIT_SECRET);
const settings = {
  issuer: 'iss-test',
  audience: 'aud-test',
  accessTokenTtl: 900,
  refreshTokenTtl: 604800,
  defaultClientId: 'web',
};
const now = () => Math.floor(Date.now() / 1000);
const service = async () => new TokenService(await testTokenKeys(), settings);
const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());

async function rejection(p: Promise<unknown>): Promise<TokenError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  return err as TokenError;
}

/** An access token as an attacker would make it: any header, any key. */
async function craft(
  claims: Record<string, unknown>,
  protectedHeader: Record<string, unknown>,
  key: CryptoKey | Uint8Array,
  { iss = 'iss-test', aud = 'aud-test', iat = now(), exp = now() + 60 } = {},
) {
  return new SignJWT({ sub: 'johndoe', sid: newId(), jti: newId(), ...claims })
    .setProtectedHeader(protectedHeader as { alg: string })
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
}

const currentKey = async () => {
  const { kid, jwk } = keyOf(await testKeySet(), 'current');
  return { kid, key: (await importJWK(jwk, 'RS256')) as CryptoKey, jwk };
};

describe('TokenService', () => {
  test('signs RS256 access tokens with kid and typ at+jwt, and HS256 refresh tokens, with every claim', async () => {
    const tokens = await service();
    const sid = newId();
    const jti = newId();
    const access = await tokens.sign({ type: 'access', sub: 'johndoe', sid, jti, issuedAt: now() * 1000 });
    expect(header(access)).toEqual({ alg: 'RS256', kid: (await currentKey()).kid, typ: 'at+jwt' });
    const a = await tokens.verify(access, 'access');
    expect(a).toMatchObject({ sub: 'johndoe', sid, jti, iss: 'iss-test', aud: 'aud-test', client_id: 'web' });
    expect(a.exp - a.iat).toBe(900);

    const refresh = await tokens.sign({ type: 'refresh', sub: 'johndoe', sid, jti, issuedAt: now() * 1000 });
    expect(header(refresh)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const r = await tokens.verify(refresh, 'refresh');
    expect(r).toMatchObject({ sub: 'johndoe', type: 'refresh', sid, jti, iss: 'iss-test', aud: 'aud-test' });
    expect(r.exp - r.iat).toBe(604800);
  });

  test('signs the same claims to the same bytes (RSASSA-PKCS1-v1_5 is deterministic: grace retries)', async () => {
    const tokens = await service();
    const claims = { type: 'access' as const, sub: 'johndoe', sid: newId(), jti: newId(), issuedAt: now() * 1000 };
    expect(await tokens.sign(claims)).toBe(await tokens.sign(claims));
  });

  test('refuses a token of the other type', async () => {
    const tokens = await service();
    const base = { sub: 'johndoe', sid: newId(), jti: newId(), issuedAt: now() * 1000 };
    await rejection(tokens.verify(await tokens.sign({ type: 'access', ...base }), 'refresh'));
    await rejection(tokens.verify(await tokens.sign({ type: 'refresh', ...base }), 'access'));
  });

  test('refuses a refresh token signed with the RSA key, and an access token typed as refresh', async () => {
    const tokens = await service();
    const { kid, key } = await currentKey();
    await rejection(tokens.verify(await craft({ type: 'refresh' }, { alg: 'RS256', kid, typ: 'JWT' }, key), 'refresh'));
    const typed = await craft({ type: 'refresh' }, { alg: 'RS256', kid, typ: 'at+jwt' }, key);
    expect((await rejection(tokens.verify(typed, 'access'))).reason).toBe('wrong type');
  });

  describe('refuses access tokens that are not ours', () => {
    test('nothing when the token is made right (control)', async () => {
      const { kid, key } = await currentKey();
      expect(
        (await (await service()).verify(await craft({}, { alg: 'RS256', kid, typ: 'at+jwt' }, key), 'access')).sub,
      ).toBe('johndoe');
    });

    test('alg: none', async () => {
      const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const iat = now();
      const claims = {
        sub: 'johndoe',
        sid: newId(),
        jti: newId(),
        iss: 'iss-test',
        aud: 'aud-test',
        iat,
        exp: iat + 60,
      };
      const none = `${enc({ alg: 'none', typ: 'at+jwt' })}.${enc(claims)}.`;
      await rejection((await service()).verify(none, 'access'));
    });

    test('HS256 with the public key as the HMAC secret (RS/HS key confusion)', async () => {
      const { kid, jwk } = await currentKey();
      const pub = { kty: 'RSA', n: String(jwk.n), e: String(jwk.e) };
      const pem = createPublicKey({ key: pub, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      for (const secret of [pem, JSON.stringify(pub)]) {
        const forged = await craft({}, { alg: 'HS256', kid, typ: 'at+jwt' }, new TextEncoder().encode(secret));
        await rejection((await service()).verify(forged, 'access'));
      }
    });

    test('a key that is not published, under a published or an unknown kid', async () => {
      const { kid } = await currentKey();
      const attacker = keyOf(await attackerKeySet(), 'current');
      const theirs = (await importJWK(attacker.jwk, 'RS256')) as CryptoKey;
      expect(
        (
          await rejection(
            (await service()).verify(await craft({}, { alg: 'RS256', kid, typ: 'at+jwt' }, theirs), 'access'),
          )
        ).reason,
      ).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      const unknown = await craft({}, { alg: 'RS256', kid: attacker.kid, typ: 'at+jwt' }, theirs);
      expect((await rejection((await service()).verify(unknown, 'access'))).reason).toBe('unknown kid');
    });

    test('a header that brings its own key (jwk, jku, x5u, x5c)', async () => {
      const { kid, key, jwk } = await currentKey();
      const pub = { kty: 'RSA', n: jwk.n, e: jwk.e };
      for (const extra of [
        { jwk: pub },
        { jku: 'https://evil.example/jwks' },
        { x5u: 'https://evil.example/cert' },
        { x5c: ['MII'] },
      ]) {
        const token = await craft({}, { alg: 'RS256', kid, typ: 'at+jwt', ...extra }, key);
        expect((await rejection((await service()).verify(token, 'access'))).reason).toBe('key-bearing header');
      }
    });

    test('another typ, a missing kid, other algorithms, issuers and audiences', async () => {
      const tokens = await service();
      const { kid, key, jwk } = await currentKey();
      const keyFor = async (alg: string) => (await importJWK(jwk, alg)) as CryptoKey;
      await rejection(tokens.verify(await craft({}, { alg: 'RS256', kid, typ: 'JWT' }, key), 'access'));
      await rejection(tokens.verify(await craft({}, { alg: 'RS256', typ: 'at+jwt' }, key), 'access'));
      await rejection(
        tokens.verify(await craft({}, { alg: 'RS512', kid, typ: 'at+jwt' }, await keyFor('RS512')), 'access'),
      );
      await rejection(
        tokens.verify(await craft({}, { alg: 'PS256', kid, typ: 'at+jwt' }, await keyFor('PS256')), 'access'),
      );
      await rejection(
        tokens.verify(await craft({}, { alg: 'RS256', kid, typ: 'at+jwt' }, key, { iss: 'other' }), 'access'),
      );
      await rejection(
        tokens.verify(await craft({}, { alg: 'RS256', kid, typ: 'at+jwt' }, key, { aud: 'other' }), 'access'),
      );
    });

    test('missing sid or jti, or malformed ids', async () => {
      const tokens = await service();
      const { kid, key } = await currentKey();
      const h = { alg: 'RS256', kid, typ: 'at+jwt' };
      expect((await rejection(tokens.verify(await craft({ sid: undefined }, h, key), 'access'))).reason).toBe(
        'bad claims',
      );
      await rejection(tokens.verify(await craft({ jti: undefined }, h, key), 'access'));
      await rejection(tokens.verify(await craft({ sid: 'x'.repeat(5000) }, h, key), 'access'));
    });
  });

  test('refuses refresh tokens under another secret, algorithm, issuer or audience', async () => {
    const tokens = await service();
    const claims = { type: 'refresh' };
    const h = { alg: 'HS256' };
    expect((await tokens.verify(await craft(claims, h, KEY), 'refresh')).sub).toBe('johndoe'); // control
    await rejection(tokens.verify(await craft(claims, { alg: 'HS512' }, KEY), 'refresh'));
    await rejection(tokens.verify(await craft(claims, h, new TextEncoder().encode('x'.repeat(40))), 'refresh'));
    await rejection(tokens.verify(await craft(claims, h, KEY, { iss: 'other' }), 'refresh'));
    await rejection(tokens.verify(await craft(claims, h, KEY, { aud: 'other' }), 'refresh'));
  });

  test('refuses an expired token, unless allowExpired (logout) is asked for', async () => {
    const tokens = await service();
    const past = now() - 1000;
    for (const type of ['refresh', 'access'] as const) {
      const token = await tokens.sign({
        type,
        sub: 'johndoe',
        sid: newId(),
        jti: newId(),
        issuedAt: past * 1000,
        expiresAt: (past + 10) * 1000,
      });
      expect((await rejection(tokens.verify(token, type))).reason).toBe('ERR_JWT_EXPIRED');
      expect((await tokens.verify(token, type, { allowExpired: true })).sub).toBe('johndoe');
    }
  });

  test('allowExpired still refuses an expired token with a bad signature or the wrong type', async () => {
    const tokens = await service();
    const past = now() - 1000;
    const expired = {
      sub: 'johndoe',
      sid: newId(),
      jti: newId(),
      issuedAt: past * 1000,
      expiresAt: (past + 10) * 1000,
    };
    const refresh = await tokens.sign({ type: 'refresh', ...expired });
    const access = await tokens.sign({ type: 'access', ...expired });
    const other = new TokenService(
      await testTokenKeys('another-key-another-key-another-key!', await attackerKeySet()),
      settings,
    );
    await rejection(other.verify(refresh, 'refresh', { allowExpired: true }));
    await rejection(other.verify(access, 'access', { allowExpired: true }));
    await rejection(tokens.verify(refresh, 'access', { allowExpired: true }));
    await rejection(tokens.verify(access, 'refresh', { allowExpired: true }));
  });

  test('derives the same 128-bit successor id for the same session and token id, and another for another', async () => {
    const tokens = await service();
    const sid = newId();
    const jti = newId();
    const a = await tokens.deriveJti(sid, jti);
    expect(isId(a)).toBe(true);
    expect(await tokens.deriveJti(sid, jti)).toBe(a);
    expect(await tokens.deriveJti(sid, newId())).not.toBe(a);
    expect(await tokens.deriveJti(newId(), jti)).not.toBe(a);
  });
});
