import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { protectedRoutes } from '../functions/protected-routes';
import { AuthApi, type AuthApiProps } from './auth-api';

export type AuthStackProps = StackProps & AuthApiProps;

/** The deployable stack (`npx cdk deploy`): one AuthApi and the outputs an operator needs. */
export class AuthStack extends Stack {
  readonly authApi: AuthApi;

  constructor(scope: Construct, id: string, props: AuthStackProps = {}) {
    super(scope, id, props);
    // 'Default' is the id CDK leaves out of logical ids: the resources keep the ids they had when
    // they sat directly in the stack, so upgrading a deployed stack replaces nothing.
    this.authApi = new AuthApi(this, 'Default', { protectedRoutes, ...props });
    const { stage, table, customDomain } = this.authApi;
    const issuer = this.authApi.issuer();
    new CfnOutput(this, 'ApiUrl', {
      value: customDomain ? `${customDomain.url}/` : stage.url,
      description: 'Base URL of the auth API (its custom domain when it has one)',
    });
    // What tokens carry as iss, and where their keys are: what a resource server (or npm run smoke) is given.
    new CfnOutput(this, 'Issuer', { value: issuer, description: "The tokens' iss: the API's URL, no trailing slash" });
    new CfnOutput(this, 'JwksUri', { value: `${issuer}/.well-known/jwks.json`, description: 'The published keys' });
    if (customDomain && !props.customDomain?.hostedZone) {
      // DNS outside Route 53: the record to create (a CNAME, or an alias) for the domain.
      new CfnOutput(this, 'DomainTarget', {
        value: customDomain.domainName.regionalDomainName,
        description: `Point ${customDomain.url.slice('https://'.length)} here (CNAME) in your DNS`,
      });
    }
    if (this.authApi.events) {
      // Where a team's own rules go (docs/events.md): `--event-bus-name` of `aws events put-rule`.
      new CfnOutput(this, 'EventBusName', {
        value: this.authApi.events.bus.eventBusName,
        description: 'The EventBridge bus with every audit event (source auth-api)',
      });
    }
    new CfnOutput(this, 'TableName', {
      value: table.tableName,
      description: 'DynamoDB table (TABLE_NAME for `npm run users`)',
    });
    // For the emergency lever: `npm run keys -- replace --yes` (docs/operations.md).
    new CfnOutput(this, 'AccessTokenKeysArn', {
      value: this.authApi.accessTokenKeys.secretArn,
      description: 'The private access-token key set (SIGNING_KEYS_ARN for `npm run keys`)',
    });
    new CfnOutput(this, 'PublicKeysArn', {
      value: this.authApi.publicKeys.secretArn,
      description: 'The published key set (PUBLIC_KEYS_ARN for `npm run keys`)',
    });
  }
}
