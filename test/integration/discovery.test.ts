import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { SignJWT, importJWK } from 'jose';
import { keyOf } from '../../functions/core/keys';
import { startApp, type TestApp } from '../support/app';
import { attackerKeySet } from '../support/keys';
import { BrowserAgent, paramsOf } from '../support/browser-agent';
import { claimsOf, login, request } from '../support/http';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());

describe('discovery and keys', () => {
  test.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])(
    'GET %s is the authorization server metadata, listing only what exists, cacheable 5 min',
    async (path) => {
      const reply = await request(`${app.url}${path}`, 'GET');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        issuer: app.url,
        authorization_endpoint: `${app.url}/oauth2/authorize`,
        token_endpoint: `${app.url}/oauth2/token`,
        revocation_endpoint: `${app.url}/oauth2/revoke`,
        userinfo_endpoint: `${app.url}/oauth2/userinfo`,
        end_session_endpoint: `${app.url}/oauth2/logout`,
        jwks_uri: `${app.url}/.well-known/jwks.json`,
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: [
          'authorization_code',
          'refresh_token',
          'client_credentials',
          'password',
          'urn:serverless-auth-api:params:oauth:grant-type:mfa',
          'urn:serverless-auth-api:params:oauth:grant-type:passkey',
        ],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
        // Absent, RFC 8414 §2 would read it as client_secret_basic alone.
        revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: expect.arrayContaining(['sub', 'auth_time', 'nonce', 'amr', 'email', 'preferred_username']),
        authorization_response_iss_parameter_supported: true,
        // OpenID Connect's defaults would claim request_uri (true): said outright.
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        claims_parameter_supported: false,
      });
      expect(reply.headers.get('cache-control')).toBe('public, max-age=300');
    },
  );

  test('each endpoint the metadata names answers; each grant type it lists, the token endpoint takes', async () => {
    const { body: meta } = await request(`${app.url}/.well-known/oauth-authorization-server`, 'GET');
    expect((await request(meta.jwks_uri, 'GET')).status).toBe(200);
    const form = (body: string) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    // A grant listed is never unsupported_grant_type (here it fails on its credentials instead).
    for (const grant of meta.grant_types_supported) {
      const reply = await request(meta.token_endpoint, 'POST', form(`grant_type=${grant}`));
      expect(reply.body.error).not.toBe('unsupported_grant_type');
    }
    const unlisted = await request(meta.token_endpoint, 'POST', form('grant_type=implicit'));
    expect(unlisted.body.error).toBe('unsupported_grant_type');
    // Each client authentication method listed is taken (demo-service is seeded with a known secret).
    const secret = 'demo-service-secret';
    const basic = `Basic ${Buffer.from(`demo-service:${secret}`).toString('base64')}`;
    const byBasic = await request(meta.token_endpoint, 'POST', {
      ...form('grant_type=client_credentials'),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    });
    expect(byBasic.status).toBe(200);
    const byPost = form(`grant_type=client_credentials&client_id=demo-service&client_secret=${secret}`);
    expect((await request(meta.token_endpoint, 'POST', byPost)).status).toBe(200);
    // Each scope listed is one a client may be granted (the default client is allowed all of them).
    const login = form(`grant_type=password&username=johndoe&password=secret&scope=${meta.scopes_supported.join('+')}`);
    expect((await request(meta.token_endpoint, 'POST', login)).body.scope).toBe(meta.scopes_supported.join(' '));
    expect((await request(meta.revocation_endpoint, 'POST', form('token=x'))).status).toBe(200);
  });

  test('the code flow members are behaviour: code only, S256 only, iss in responses, no request objects', async () => {
    const { body: meta } = await request(`${app.url}/.well-known/openid-configuration`, 'GET');
    const browser = new BrowserAgent(app.url);
    const ask = (extra: Record<string, string>) => {
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: 'demo-app',
        redirect_uri: 'http://localhost:3000/callback',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 's',
        ...extra,
      });
      return browser.navigate(`${meta.authorization_endpoint}?${q}`);
    };
    expect((await ask({})).status).toBe(200); // the login page
    const refused = async (extra: Record<string, string>) => paramsOf((await ask(extra)).location);
    expect(await refused({ response_type: 'token' })).toMatchObject({
      error: 'unsupported_response_type',
      iss: meta.issuer,
    });
    expect(await refused({ code_challenge_method: 'plain' })).toMatchObject({
      error: 'invalid_request',
      iss: meta.issuer,
    });
    expect(await refused({ request: 'x' })).toMatchObject({ error: 'request_not_supported', state: 's' });
    expect(await refused({ request_uri: 'x' })).toMatchObject({ error: 'request_uri_not_supported' });
    expect(await refused({ scope: 'undeclared' })).toMatchObject({ error: 'invalid_scope' });
    for (const scope of meta.scopes_supported) expect((await ask({ scope })).status).toBe(200);
    // The userinfo endpoint wants a token; the end-session endpoint signs out.
    expect((await request(meta.userinfo_endpoint, 'GET')).status).toBe(401);
    expect((await browser.navigate(meta.end_session_endpoint)).status).toBe(200);
  });

  test('GET /.well-known/jwks.json publishes the previous, current and next public keys, nothing private', async () => {
    const reply = await request(`${app.url}/.well-known/jwks.json`, 'GET');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('public, max-age=300');
    expect(reply.body.keys).toHaveLength(3);
    for (const key of reply.body.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
    }
    const { access } = await login(app.url);
    expect(reply.body.keys.map((k: { kid: string }) => k.kid)).toContain(header(access).kid);
  });

  test('access tokens are RS256 with kid and typ at+jwt, and carry iss, aud, sub, sid, jti and client_id', async () => {
    const { access, sid } = await login(app.url);
    expect(header(access)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(claimsOf(access)).toMatchObject({
      iss: app.url,
      aud: 'serverless-auth-api',
      sub: 'johndoe',
      sid,
      client_id: 'web',
    });
    expect(claimsOf(access).type).toBeUndefined();
  });
});

describe("AWS's aws-jwt-verify verifies our access tokens from the discovery document alone", () => {
  // aws-jwt-verify fetches over https only; its public SimpleJwksCache API takes a fetcher, here a plain-http one.
  const fetcher = { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() };
  let discovery: { issuer: string; jwks_uri: string };
  const verifier = (over: { issuer?: string; audience?: string } = {}) =>
    JwtRsaVerifier.create(
      {
        issuer: over.issuer ?? discovery.issuer,
        audience: over.audience ?? 'serverless-auth-api',
        jwksUri: discovery.jwks_uri,
      },
      { jwksCache: new SimpleJwksCache({ fetcher }) },
    );
  beforeAll(async () => {
    discovery = (await request(`${app.url}/.well-known/openid-configuration`, 'GET')).body;
  });

  test('accepts a genuine access token', async () => {
    const { access } = await login(app.url);
    await expect(verifier().verify(access)).resolves.toMatchObject({ sub: 'johndoe', iss: discovery.issuer });
  });

  test('rejects a wrong signature, issuer, audience or kid', async () => {
    const { access } = await login(app.url);
    const [h, p, s] = access.split('.');
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await expect(verifier().verify(flipped)).rejects.toThrow();
    await expect(verifier({ issuer: 'https://someone-else.example' }).verify(access)).rejects.toThrow();
    await expect(verifier({ audience: 'another-api' }).verify(access)).rejects.toThrow();

    const attacker = keyOf(await attackerKeySet(), 'current');
    const foreign = await new SignJWT(claimsOf(access))
      .setProtectedHeader({ alg: 'RS256', kid: attacker.kid, typ: 'at+jwt' })
      .sign(await importJWK(attacker.jwk, 'RS256'));
    await expect(verifier().verify(foreign)).rejects.toThrow();
  });
});
