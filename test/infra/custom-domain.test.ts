import { Match } from 'aws-cdk-lib/assertions';
import { functionId } from '../../lib/route-function';
import { ACCOUNTS, type Resources, synth } from '../support/synth';

// A custom domain (docs/clients.md "A domain of your own"): the mapping, the records, the issuer.
const { template, resources } = synth(ACCOUNTS);

describe('custom domain', () => {
  const fast = { bundle: false };
  const domain = {
    domainName: 'api.example.com',
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc',
  };
  const issuerOf = (r: Resources, handler: string) =>
    Object.entries(r).find(([id, x]) => id.startsWith(functionId(handler)) && x.Type === 'AWS::Lambda::Function')![1]
      .Properties.Environment.Variables.TOKEN_ISSUER;

  test('maps the $default stage at the root of the domain, and the issuer follows it', () => {
    const built = synth({ ...domain, hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' }, fast);
    const t = built.template;
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: domain.certificateArn, EndpointType: 'REGIONAL' })],
    });
    const [stageId] = Object.entries(built.resources).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    t.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: Match.objectLike({ Stage: '$default', ApiMappingKey: Match.absent() }),
      DependsOn: [stageId],
    });
    for (const type of ['A', 'AAAA']) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'api.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
      });
    }
    for (const handler of ['token', 'me', 'oauth2-token', 'openid-configuration'])
      expect(issuerOf(built.resources, handler)).toBe('https://api.example.com');
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: Match.objectLike({ Issuer: 'https://api.example.com' }),
    });
    // The execute-api endpoint stays unless asked; cdk-nag has nothing to say about any of it.
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    expect(built.nag.validateScope(built.stack).violations).toEqual([]);
  });

  test('without a hosted zone no record is made; the execute-api endpoint can be turned off', () => {
    const built = synth({ ...domain, disableExecuteApiEndpoint: 'true' }, fast);
    built.template.resourceCountIs('AWS::Route53::RecordSet', 0);
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
  });

  test('without a domain there is none, and the issuer is the execute-api URL', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(issuerOf(resources, 'token')).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'] });
  });

  // API Gateway fetches <issuer>/.well-known/openid-configuration when it creates the JWT authorizer
  // (aws/aws-cdk#28061): with a domain, the issuer is the domain, so the domain must answer first.
  const jwtAuthorizerOf = (r: Resources) =>
    Object.entries(r).find(
      ([, x]) => x.Type === 'AWS::ApiGatewayV2::Authorizer' && x.Properties.AuthorizerType === 'JWT',
    );
  const idsOf = (r: Resources, type: string) =>
    Object.entries(r)
      .filter(([, x]) => x.Type === type)
      .map(([id]) => id);
  const outputsOf = (t: { toJSON(): Record<string, unknown> }) =>
    Object.fromEntries(
      Object.entries(t.toJSON().Outputs as Record<string, { Value: unknown }>).map(([k, v]) => [k, v.Value]),
    );
  const dependsOn = (r: [string, unknown] | undefined) => (r![1] as { DependsOn: string[] }).DependsOn;

  test('with a hosted zone, the JWT authorizer waits for the domain, its mapping and both DNS records', () => {
    const built = synth({ ...domain, hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' }, fast);
    const jwt = dependsOn(jwtAuthorizerOf(built.resources));
    const needed = [
      ...idsOf(built.resources, 'AWS::ApiGatewayV2::DomainName'),
      ...idsOf(built.resources, 'AWS::ApiGatewayV2::ApiMapping'),
      ...idsOf(built.resources, 'AWS::Route53::RecordSet'),
    ];
    expect(needed).toHaveLength(4);
    expect(jwt).toEqual(expect.arrayContaining(needed));
    expect(outputsOf(built.template)).not.toHaveProperty('DomainTarget');
  });

  test('with DNS elsewhere it waits for the domain and mapping, and DomainTarget names the record to make', () => {
    const built = synth(domain, fast);
    const jwt = dependsOn(jwtAuthorizerOf(built.resources));
    const needed = [
      ...idsOf(built.resources, 'AWS::ApiGatewayV2::DomainName'),
      ...idsOf(built.resources, 'AWS::ApiGatewayV2::ApiMapping'),
    ];
    expect(jwt).toEqual(expect.arrayContaining(needed));
    const [domainId] = idsOf(built.resources, 'AWS::ApiGatewayV2::DomainName');
    expect(outputsOf(built.template).DomainTarget).toEqual({ 'Fn::GetAtt': [domainId, 'RegionalDomainName'] });
  });

  test('dnsReady=false deploys all but the JWT authorizer and its routes, says so; the next deploy adds them', () => {
    const first = synth({ ...domain, dnsReady: 'false' }, fast);
    expect(jwtAuthorizerOf(first.resources)).toBeUndefined();
    const routeKeys = (r: Resources) =>
      Object.values(r)
        .filter((x) => x.Type === 'AWS::ApiGatewayV2::Route')
        .map((x) => x.Properties.RouteKey);
    expect(routeKeys(first.resources)).not.toContain('GET /examples/jwt');
    expect(routeKeys(first.resources)).toContain('GET /examples/session');
    expect(routeKeys(first.resources)).toContain('GET /.well-known/openid-configuration');
    const warnings = first.stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)));
    expect(warnings.join('\n')).toMatch(/dnsReady=false: the JWT authorizer .* https:\/\/api\.example\.com/);
    expect(outputsOf(first.template).Issuer).toBe('https://api.example.com');
    expect(first.nag.validateScope(first.stack).violations).toEqual([]);

    const second = synth(domain, fast);
    expect(jwtAuthorizerOf(second.resources)).toBeDefined();
    expect(routeKeys(second.resources)).toContain('GET /examples/jwt');
    expect(() => synth({ dnsReady: 'false' }, fast)).toThrow('dnsReady goes with a custom domain');
    expect(() => synth({ ...domain, dnsReady: 'no' }, fast)).toThrow('dnsReady must be one of true, false');
  });

  test('the outputs: Issuer and JwksUri are what tokens carry; ApiUrl is the domain when there is one', () => {
    const built = synth(domain, fast);
    expect(outputsOf(built.template)).toMatchObject({
      ApiUrl: 'https://api.example.com/',
      Issuer: 'https://api.example.com',
      JwksUri: 'https://api.example.com/.well-known/jwks.json',
    });
    expect(issuerOf(built.resources, 'token')).toBe(outputsOf(built.template).Issuer);
    const plain = outputsOf(template);
    const [apiId] = idsOf(resources, 'AWS::ApiGatewayV2::Api');
    expect(plain.Issuer).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
    expect(plain.Issuer).toEqual(issuerOf(resources, 'token'));
    expect(plain.JwksUri).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, '/.well-known/jwks.json']],
    });
  });

  test('refuses half a configuration, a bad name or ARN, and turning off the only endpoint', () => {
    expect(() => synth({ domainName: 'api.example.com' }, fast)).toThrow('domainName and certificateArn go together');
    expect(() => synth({ ...domain, domainName: 'https://api.example.com' }, fast)).toThrow('lower-case DNS name');
    expect(() => synth({ ...domain, certificateArn: 'arn:aws:iam::123:role/x' }, fast)).toThrow('ACM certificate ARN');
    expect(() => synth({ ...domain, hostedZoneId: 'Z1' }, fast)).toThrow('hostedZoneId and hostedZoneName go together');
    expect(() => synth({ disableExecuteApiEndpoint: 'true' }, fast)).toThrow('needs a custom domain');
  });
});
