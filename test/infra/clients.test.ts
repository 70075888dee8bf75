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
