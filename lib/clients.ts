import { CustomResource } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { type ClientDeclaration, clientProblems } from '../functions/core/clients';
import { audienceFrom } from '../functions/core/config';
import { declaredScopes } from '../functions/core/scopes';
import { CLIENTS_SYNC_TABLE_ACCESS } from '../functions/route-access';
import { COMMON_ENVIRONMENT } from './environment';
import type { FunctionFactory } from './function-factory';

/**
 * A client as context `clients` spells it (RFC 7591's member names, docs/authorization-server.md
 * "Clients"): `client_id`, `type`, `name`, `redirect_uris`, `post_logout_redirect_uris`, `grant_types`,
 * `scopes`, `default_scopes`, `first_party`.
 */
export function clientFromContext(value: Record<string, unknown>): ClientDeclaration {
  const list = (key: string) => (Array.isArray(value[key]) ? (value[key] as unknown[]).map(String) : []);
  return {
    id: String(value.client_id ?? ''),
    type: value.type as ClientDeclaration['type'],
    name: String(value.name ?? value.client_id ?? ''),
    redirectUris: list('redirect_uris'),
    postLogoutRedirectUris: list('post_logout_redirect_uris'),
    grantTypes: list('grant_types'),
    scopes: list('scopes'),
    defaultScopes: list('default_scopes'),
    firstParty: value.first_party === true,
  };
}

/**
 * The stack's clients, checked at synth by the rules every write follows (a mistake fails the synth,
 * naming the client), and written at deploy by the clients-sync custom resource (always present, so
 * that removing the last client removes its item). Its function may put, read and delete client items
 * only. No secret is ever in the template: a confidential client gets one from `npm run clients --
 * rotate-secret`, which the next deploy keeps.
 */
export function stackClients(
  scope: Construct,
  {
    table,
    factory,
    clients,
    scopes,
  }: {
    table: ITableV2;
    factory: FunctionFactory;
    clients: readonly ClientDeclaration[];
    scopes: Record<string, string> | undefined;
  },
): CustomResource {
  const declared = declaredScopes(scopes ? JSON.stringify(scopes) : undefined);
  const ids = new Set<string>();
  for (const client of clients) {
    // The stack's JWT authorizer takes the default audience (lib/authorizers.ts).
    const problems = clientProblems(client, declared, audienceFrom({}));
    if (ids.has(client.id)) problems.push('declared twice');
    ids.add(client.id);
    if (problems.length > 0) throw new Error(`clients: ${client.id || '(no client_id)'}: ${problems.join('; ')}`);
  }
  const fn = factory.make('oauth2-clients-sync', "Writes the stack's OAuth clients at deploy", {
    ...COMMON_ENVIRONMENT,
    TABLE_NAME: table.tableName,
  });
  fn.grantTable(table, CLIENTS_SYNC_TABLE_ACCESS);
  const resource = new CustomResource(scope, 'StackClients', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::OAuthClients',
    properties: { Clients: JSON.stringify(clients) },
  });
  // Its grants must exist before CloudFormation runs it.
  resource.node.addDependency(fn.role!);
  return resource;
}
