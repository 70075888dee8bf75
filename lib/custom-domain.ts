import { ApiMapping, DomainName, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { AaaaRecord, ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

/** A custom domain for the API (docs/clients.md). */
export interface CustomDomainProps {
  /** e.g. `api.example.com`: the API's origin becomes `https://api.example.com`, and so does the token issuer. */
  domainName: string;
  /** An ACM certificate for that name, in the stack's region (a regional endpoint). */
  certificateArn: string;
  /** Optional: the Route 53 hosted zone (id and name) in which to create the A and AAAA alias records. */
  hostedZone?: { id: string; name: string };
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

  constructor(scope: Construct, id: string, props: CustomDomainProps & { api: HttpApi; stage: HttpStage }) {
    super(scope, id);
    this.url = `https://${props.domainName}`;
    this.domainName = new DomainName(this, 'DomainName', {
      domainName: props.domainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
    });
    new ApiMapping(this, 'ApiMapping', { api: props.api, domainName: this.domainName, stage: props.stage });
    if (props.hostedZone) {
      const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.hostedZone.id,
        zoneName: props.hostedZone.name,
      });
      const target = RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId),
      );
      new ARecord(this, 'AliasRecord', { zone, recordName: props.domainName, target });
      new AaaaRecord(this, 'AliasRecordIpv6', { zone, recordName: props.domainName, target });
    }
  }
}
