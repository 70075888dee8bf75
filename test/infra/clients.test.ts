import { decodeJwt } from 'jose';
import { TokenService } from '../../functions/core/tokens';
import { testTokenKeys } from '../support/keys';
import { inspect, synth } from '../support/synth';

// The stack's OAuth clients and scopes (docs/authorization-server.md): context `clients` checked at synth
// and written at deploy by a custom resource; `scopes` given to every function that checks one.

const CLIENTS = [
  {
    client_id: 'shop',
    type: 'public',
    name: 'Shop',
    redirect_uris: ['https://shop.example.com/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'orders:read'],
    default_scopes: ['openid'],
    first_party: true,
  },
  { client_id: 'batch', type: 'confidential', name: 'Batch', grant_types: ['client_credentials'] },
];
const SCOPES = { 'orders:read': 'Read your orders' };

describe('AuthStack: OAuth clients and scopes', () => {
  const { resources } = synth({ clients: JSON.stringify(CLIENTS), scopes: SCOPES }, { bundle: false });
  const { ofType, fnLogicalId } = inspect(resources);

  test('the clients go to a custom resource, in full and with no secret, through its own function', () => {
    const [[, resource]] = ofType('Custom::OAuthClients');
    const written = JSON.parse(resource.Properties.Clients);
    expect(written.map((c: { id: string }) => c.id)).toEqual(['shop', 'batch']);
    expect(written[0]).toMatchObject({ redirectUris: ['https://shop.example.com/callback'], firstParty: true });
    expect(resource.Properties.Clients).not.toMatch(/secret/i);
    expect(resource.Properties.ServiceToken['Fn::GetAtt'][0]).toBe(fnLogicalId('oauth2-clients-sync'));
  });

  test('the declared scopes reach the token function and the metadata document', () => {
    for (const name of ['oauth2-token', 'oauth2-metadata', 'openid-configuration']) {
      const env = resources[fnLogicalId(name)].Properties.Environment.Variables;
      expect([name, JSON.parse(env.SCOPES)]).toEqual([name, SCOPES]);
    }
    const token = resources[fnLogicalId('oauth2-token')].Properties.Environment.Variables;
    expect(token.ALLOW_UNREGISTERED_CLIENTS).toBe('true');
  });

  test.each([
    [[{ ...CLIENTS[0], redirect_uris: ['http://shop.example.com/cb'] }], /loopback/],
    [[{ ...CLIENTS[0], scopes: ['orders:write'] }], /orders:write is not declared/],
    [[{ ...CLIENTS[1], type: 'public' }], /confidential clients only/],
    [[CLIENTS[0], CLIENTS[0]], /declared twice/],
  ])('a client the rules refuse fails the synth, naming it (%#)', (clients, message) => {
    expect(() => synth({ clients: JSON.stringify(clients), scopes: SCOPES }, { bundle: false })).toThrow(message);
  });

  test('allowUnregisteredClients=false reaches the functions; a scope name outside RFC 6749 fails the synth', () => {
    const { resources: r } = synth({ allowUnregisteredClients: false }, { bundle: false });
    const { fnLogicalId: id } = inspect(r);
    expect(r[id('oauth2-token')].Properties.Environment.Variables.ALLOW_UNREGISTERED_CLIENTS).toBe('false');
    expect(() => synth({ scopes: { 'bad scope': 'x' } }, { bundle: false })).toThrow(/not a scope name/);
  });
});

describe("API Gateway's JWT authorizer and the new tokens", () => {
  const { resources } = synth({}, { bundle: false });
  const { ofType } = inspect(resources);
  const [[, authorizer]] = ofType('AWS::ApiGatewayV2::Authorizer').filter(
    ([, a]) => a.Properties.AuthorizerType === 'JWT',
  );
  const { Audience: audience } = authorizer.Properties.JwtConfiguration;

  /**
   * What the authorizer checks of a token it verified (API Gateway's documented JWT validation): `iss`,
   * then `aud`, or `client_id` when there is no matching `aud`, among its audiences; `exp`.
   */
  const accepts = (token: string, issuer: string) => {
    const claims = decodeJwt(token);
    const audiences = [claims.aud].flat();
    return (
      claims.iss === issuer &&
      (audiences.some((a) => audience.includes(a)) || audience.includes(claims.client_id)) &&
      (claims.exp ?? 0) * 1000 > Date.now()
    );
  };

  test('accepts the access tokens of a code flow and of client_credentials; refuses ID tokens', async () => {
    const issuer = 'https://auth.example.com';
    const tokens = new TokenService(await testTokenKeys(), {
      issuer,
      audience: audience[0],
      accessTokenTtl: 900,
      refreshTokenTtl: 3600,
      defaultClientId: 'web',
    });
    const now = Date.now();
    const access = await tokens.sign({
      type: 'access',
      sub: 'olga',
      sid: 'A'.repeat(22),
      jti: 'B'.repeat(22),
      issuedAt: now,
      clientId: 'shop',
      scope: ['openid'],
    });
    const machine = await tokens.signClientToken({ clientId: 'batch', scope: ['orders:read'], issuedAt: now });
    const id = await tokens.signIdToken({ sub: 'olga', clientId: 'shop', authTime: now, issuedAt: now });
    expect(audience).toEqual(['serverless-auth-api']);
    expect([accepts(access, issuer), accepts(machine, issuer), accepts(id, issuer)]).toEqual([true, true, false]);
    // And our own check refuses an ID token as an access token by its typ (JWT, not at+jwt).
    await expect(tokens.verify(id, 'access')).rejects.toThrow();
  });
});
