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

  test('refuses half a configuration, a bad name or ARN, and turning off the only endpoint', () => {
    expect(() => synth({ domainName: 'api.example.com' }, fast)).toThrow('domainName and certificateArn go together');
    expect(() => synth({ ...domain, domainName: 'https://api.example.com' }, fast)).toThrow('lower-case DNS name');
    expect(() => synth({ ...domain, certificateArn: 'arn:aws:iam::123:role/x' }, fast)).toThrow('ACM certificate ARN');
    expect(() => synth({ ...domain, hostedZoneId: 'Z1' }, fast)).toThrow('hostedZoneId and hostedZoneName go together');
    expect(() => synth({ disableExecuteApiEndpoint: 'true' }, fast)).toThrow('needs a custom domain');
  });
});
