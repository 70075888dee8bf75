import { loadConfig } from '../../functions/core/config';

const base = { TABLE_NAME: 't', JWT_SECRET: 'k'.repeat(32) };

describe('loadConfig', () => {
  test('applies the contract defaults', () => {
    expect(loadConfig(base)).toMatchObject({
      accessTokenTtl: 900,
      refreshTokenTtl: 604800,
      sessionMaxSeconds: 2592000,
      refreshReuseGraceSeconds: 10,
      bcryptCost: 10,
      cookie: { name: 'refresh_token', secure: true, path: '/auth', sameSite: 'Lax' },
      allowedOrigins: [],
    });
  });

  test.each([
    [{ JWT_SECRET: 'k'.repeat(32) }, /TABLE_NAME is required/],
    [{ TABLE_NAME: 't' }, /JWT_SECRET.*JWT_SECRET_ARN/],
    [{ ...base, JWT_SECRET: 'short' }, /at least 32 bytes/],
    [{ ...base, ACCESS_TOKEN_TTL_SECONDS: '15m' }, /ACCESS_TOKEN_TTL_SECONDS must be a whole number/],
    [{ ...base, BCRYPT_COST: '40' }, /BCRYPT_COST must be between 4 and 15/],
    [{ ...base, COOKIE_SECURE: 'yes' }, /COOKIE_SECURE must be "true" or "false"/],
    [{ ...base, COOKIE_SAMESITE: 'lax' }, /COOKIE_SAMESITE must be/],
    [{ ...base, COOKIE_SAMESITE: 'None', COOKIE_SECURE: 'false' }, /needs COOKIE_SECURE=true/],
    [{ ...base, COOKIE_PATH: 'auth' }, /COOKIE_PATH/],
    [{ ...base, COOKIE_HOST_PREFIX: 'true', COOKIE_PATH: '/auth' }, /COOKIE_HOST_PREFIX=true needs COOKIE_PATH=\//],
    [{ ...base, COOKIE_HOST_PREFIX: 'true', COOKIE_SECURE: 'false' }, /COOKIE_HOST_PREFIX=true needs COOKIE_SECURE/],
    [{ ...base, COOKIE_HOST_PREFIX: 'yes' }, /COOKIE_HOST_PREFIX must be "true" or "false"/],
    [{ ...base, ALLOWED_ORIGINS: 'https://ok.example, not a url' }, /ALLOWED_ORIGINS/],
    [{ ...base, ALLOWED_ORIGINS: 'https://*' }, /ALLOWED_ORIGINS entries must look like .*got "https:\/\/\*"/],
    [{ ...base, ALLOWED_ORIGINS: 'https://*.example.com' }, /no wildcard/],
    [{ ...base, ALLOWED_ORIGINS: 'https://app.example.com/' }, /no path/],
    [{ ...base, ALLOWED_ORIGINS: 'https://app.example.com/login' }, /got "https:\/\/app.example.com\/login"/],
    [{ ...base, ALLOWED_ORIGINS: 'http://app.example.com' }, /http:\/\/ only for localhost/],
    [{ ...base, ALLOWED_ORIGINS: '*' }, /ALLOWED_ORIGINS/],
    [{ ...base, JWT_SECRET_ARN: 'arn:secret' }, /JWT_SECRET must not be set in a deployed function/],
    [{ TABLE_NAME: 't', PUBLIC_KEYS_ARN: 'arn', SIGNING_KEYS: '{}' }, /SIGNING_KEYS must not be set/],
    [{ TABLE_NAME: 't', SIGNING_KEYS_ARN: 'arn', DYNAMODB_ENDPOINT: 'http://x' }, /DYNAMODB_ENDPOINT must not be set/],
    [{ ...base, APP_NAME: 'Acme: Shop' }, /APP_NAME must not contain a colon/],
    [{ ...base, APP_NAME: ' ' }, /APP_NAME must not be blank/],
  ])('fails at init with a message naming the variable (%#)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  test("APP_NAME (the TOTP issuer) defaults to the issuer's host name, never with a port's colon", () => {
    expect(loadConfig({ ...base, TOKEN_ISSUER: 'https://auth.example.com' }).appName).toBe('auth.example.com');
    expect(loadConfig({ ...base, TOKEN_ISSUER: 'http://127.0.0.1:8000' }).appName).toBe('127.0.0.1');
    expect(loadConfig({ ...base, APP_NAME: 'Acme Shop' }).appName).toBe('Acme Shop');
  });

  test('lets sam local invoke (AWS_SAM_LOCAL=true) override the deployed keys and store', () => {
    const env = { ...base, JWT_SECRET_ARN: 'arn', DYNAMODB_ENDPOINT: 'http://x', AWS_SAM_LOCAL: 'true' };
    expect(loadConfig(env).jwtSecret).toBe(base.JWT_SECRET);
  });

  test('the __Host- prefix names the cookie and puts it on the whole host, Secure', () => {
    expect(loadConfig({ ...base, COOKIE_HOST_PREFIX: 'true' }).cookie).toEqual({
      name: '__Host-refresh_token',
      secure: true,
      path: '/',
      sameSite: 'Lax',
    });
  });

  test('reads overrides and a comma-separated origin list', () => {
    const config = loadConfig({
      ...base,
      COOKIE_SAMESITE: 'None',
      COOKIE_PATH: '/',
      ALLOWED_ORIGINS: 'https://a.example, http://localhost:3000',
    });
    expect(config.cookie).toEqual({ name: 'refresh_token', secure: true, path: '/', sameSite: 'None' });
    expect(config.allowedOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
  });
});
