import { SignJWT } from 'jose';
import { ServiceUnavailableError } from '../../functions/core/errors';
import { TokenError, TokenService, isId, newId } from '../../functions/core/tokens';

const KEY = new TextEncoder().encode('unit-test-key-unit-test-key-unit-test-key');
const settings = { issuer: 'iss-test', audience: 'aud-test', accessTokenTtl: 900, refreshTokenTtl: 604800 };
const now = () => Math.floor(Date.now() / 1000);
const service = () => new TokenService(async () => KEY, settings);

async function rejection(p: Promise<unknown>): Promise<TokenError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  return err as TokenError;
}

describe('TokenService', () => {
  test('signs HS256 tokens with every claim, and verifies them', async () => {
    const tokens = service();
    const sid = newId();
    const jti = newId();
    const token = await tokens.sign({ type: 'refresh', sub: 'johndoe', sid: sid, jti: jti, issuedAt: now() * 1000 });
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = await tokens.verify(token, 'refresh');
    expect(claims).toMatchObject({ sub: 'johndoe', type: 'refresh', sid, jti, iss: 'iss-test', aud: 'aud-test' });
    expect(claims.exp - claims.iat).toBe(604800);
  });

  test('refuses a token of the other type', async () => {
    const tokens = service();
    const access = await tokens.sign({
      type: 'access',
      sub: 'johndoe',
      sid: newId(),
      jti: newId(),
      issuedAt: now() * 1000,
    });
    expect((await rejection(tokens.verify(access, 'refresh'))).reason).toBe('wrong type');
  });

  test('refuses alg none, other algorithms, other keys, other issuers and audiences', async () => {
    const tokens = service();
    const claims = { sub: 'johndoe', type: 'access', sid: newId(), jti: newId() };
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const iat = now();
    const none = `${enc({ alg: 'none' })}.${enc({ ...claims, iss: 'iss-test', aud: 'aud-test', iat, exp: iat + 60 })}.`;
    await rejection(tokens.verify(none, 'access'));
    const sign = (alg: string, key: Uint8Array, iss = 'iss-test', aud = 'aud-test') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg })
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 60)
        .sign(key);
    expect((await tokens.verify(await sign('HS256', KEY), 'access')).sub).toBe('johndoe'); // control
    await rejection(tokens.verify(await sign('HS512', KEY), 'access'));
    await rejection(tokens.verify(await sign('HS256', new TextEncoder().encode('x'.repeat(40))), 'access'));
    await rejection(tokens.verify(await sign('HS256', KEY, 'other'), 'access'));
    await rejection(tokens.verify(await sign('HS256', KEY, 'iss-test', 'other'), 'access'));
  });

  test('refuses tokens missing sid or jti, or carrying malformed ids', async () => {
    const tokens = service();
    const iat = now();
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('iss-test')
        .setAudience('aud-test')
        .setSubject('johndoe')
        .setIssuedAt(iat)
        .setExpirationTime(iat + 60)
        .sign(KEY);
    expect((await rejection(tokens.verify(await sign({ type: 'access', jti: newId() }), 'access'))).reason).toBe(
      'bad claims',
    );
    await rejection(tokens.verify(await sign({ type: 'access', sid: newId() }), 'access'));
    await rejection(tokens.verify(await sign({ type: 'access', sid: 'x'.repeat(5000), jti: newId() }), 'access'));
  });

  test('refuses an expired token, unless allowExpired (logout) is asked for', async () => {
    const tokens = service();
    const past = now() - 1000;
    const token = await tokens.sign({
      type: 'refresh',
      sub: 'johndoe',
      sid: newId(),
      jti: newId(),
      issuedAt: past * 1000,
      expiresAt: (past + 10) * 1000,
    });
    expect((await rejection(tokens.verify(token, 'refresh'))).reason).toBe('ERR_JWT_EXPIRED');
    expect((await tokens.verify(token, 'refresh', { allowExpired: true })).sub).toBe('johndoe');
  });

  test('allowExpired still refuses an expired token with a bad signature or the wrong type', async () => {
    const tokens = service();
    const past = now() - 1000;
    const token = await tokens.sign({
      type: 'refresh',
      sub: 'johndoe',
      sid: newId(),
      jti: newId(),
      issuedAt: past * 1000,
      expiresAt: (past + 10) * 1000,
    });
    const other = new TokenService(
      async () => new TextEncoder().encode('another-key-another-key-another-key!'),
      settings,
    );
    await rejection(other.verify(token, 'refresh', { allowExpired: true }));
    await rejection(tokens.verify(token, 'access', { allowExpired: true }));
  });

  test('fetches and imports the key once, and again only after a failure (as a 503)', async () => {
    let calls = 0;
    let fail = true;
    const tokens = new TokenService(async () => {
      calls++;
      if (fail) throw new Error('secrets manager down');
      return KEY;
    }, settings);
    await expect(
      tokens.sign({ type: 'access', sub: 'a', sid: newId(), jti: newId(), issuedAt: now() * 1000 }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
    fail = false;
    await tokens.sign({ type: 'access', sub: 'a', sid: newId(), jti: newId(), issuedAt: now() * 1000 });
    await tokens.verify(
      await tokens.sign({ type: 'access', sub: 'a', sid: newId(), jti: newId(), issuedAt: now() * 1000 }),
      'access',
    );
    expect(calls).toBe(2);
  });

  test('derives the same 128-bit successor id for the same session and token id, and another for another', async () => {
    const tokens = service();
    const sid = newId();
    const jti = newId();
    const a = await tokens.deriveJti(sid, jti);
    expect(isId(a)).toBe(true);
    expect(await tokens.deriveJti(sid, jti)).toBe(a);
    expect(await tokens.deriveJti(sid, newId())).not.toBe(a);
    expect(await tokens.deriveJti(newId(), jti)).not.toBe(a);
  });
});
