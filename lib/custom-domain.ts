import { ApiMapping, DomainName, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { AaaaRecord, ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Construct, type IDependable } from 'constructs';

/** A custom domain for the API (docs/clients.md). */
export interface CustomDomainProps {
  /** e.g. `api.example.com`: the API's origin becomes `https://api.example.com`, and so does the token issuer. */
  domainName: string;
  /** An ACM certificate for that name, in the stack's region (a regional endpoint). */
  certificateArn: string;
  /** Optional: the Route 53 hosted zone (id and name) in which to create the A and AAAA alias records. */
  hostedZone?: { id: string; name: string };
  /**
   * Whether `https://<domainName>` answers yet (default true). API Gateway reads the issuer's discovery
   * document when it creates the JWT authorizer, so with DNS outside Route 53 the first deploy sets this
   * false: everything but the JWT authorizer and the routes behind it is deployed, the `DomainTarget`
   * output names the record to create, and the next deploy (true) adds them (docs/deploying.md).
   */
  dnsReady?: boolean;
}

/**
 * The API under a domain of the team's own: an API Gateway domain name with the certificate, the
 * mapping of the API's `$default` stage at its root, and optionally the DNS records. A front end on
 * the same site (`app.example.com` + `api.example.com`) keeps the refresh cookie first-party, which
 * is the only setup today's browsers support without third-party cookies.
 */
export class CustomDomain extends Construct {
  readonly domainName: DomainName;
  readonly url: string;
  /**
   * What must exist before anything fetches `https://<domainName>/...` during the deploy (the JWT
   * authorizer's creation): the domain, its mapping to the stage, and its DNS records when made here.
   */
  readonly reachable: IDependable[];

  constructor(scope: Construct, id: string, props: CustomDomainProps & { api: HttpApi; stage: HttpStage }) {
    super(scope, id);
    this.url = `https://${props.domainName}`;
    this.domainName = new DomainName(this, 'DomainName', {
      domainName: props.domainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
    });
    const mapping = new ApiMapping(this, 'ApiMapping', {
      api: props.api,
      domainName: this.domainName,
      stage: props.stage,
    });
    this.reachable = [this.domainName, mapping];
    if (props.hostedZone) {
      const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.hostedZone.id,
        zoneName: props.hostedZone.name,
      });
      const target = RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId),
      );
      this.reachable.push(
        new ARecord(this, 'AliasRecord', { zone, recordName: props.domainName, target }),
        new AaaaRecord(this, 'AliasRecordIpv6', { zone, recordName: props.domainName, target }),
      );
    }
  }
}
