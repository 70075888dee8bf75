import type { Client, ClientDeclaration } from '../core/clients';
import { type CustomResourceEvent, respond } from '../http/cfn-response';
import { logger } from '../http/logger';
import { createDocumentClient } from '../store/client';
import { DynamoClientStore } from '../store/client-store';

/** Something the deploy must not do (a client of the same id made by the CLI or registration). */
class SyncRefused extends Error {}

const declaredIn = (props: Record<string, unknown> | undefined): ClientDeclaration[] =>
  props?.Clients ? (JSON.parse(String(props.Clients)) as ClientDeclaration[]) : [];

/**
 * The stack's clients (context `clients`, docs/authorization-server.md "Clients"), written at deploy:
 * each declared client is put with `source: stack`, keeping the secrets `npm run clients --
 * rotate-secret` gave it (none is ever in the template); a client the previous deploy declared and
 * this one does not is deleted, and so is every one when the stack goes. Only stack clients: one of
 * the same id made otherwise fails the deploy, saying so.
 */
export async function syncClients(
  event: CustomResourceEvent,
  store: Pick<DynamoClientStore, 'getClient' | 'putClient' | 'deleteClient'>,
  now = Date.now(),
): Promise<string> {
  const wanted = event.RequestType === 'Delete' ? [] : declaredIn(event.ResourceProperties);
  const before = declaredIn(event.RequestType === 'Update' ? event.OldResourceProperties : undefined);
  const previous = event.RequestType === 'Delete' ? declaredIn(event.ResourceProperties) : before;
  for (const declaration of wanted) {
    const existing = await store.getClient(declaration.id);
    if (existing && existing.source !== 'stack')
      throw new SyncRefused(`client ${declaration.id} exists and was not made by this stack (${existing.source})`);
    const client: Client = {
      postLogoutRedirectUris: [],
      ...declaration,
      source: 'stack',
      createdAt: existing?.createdAt ?? now,
      ...(existing?.secretHashes && declaration.type === 'confidential' ? { secretHashes: existing.secretHashes } : {}),
    };
    await store.putClient(client, { overwrite: true });
  }
  const kept = new Set(wanted.map((c) => c.id));
  for (const gone of previous.filter((c) => !kept.has(c.id))) {
    const existing = await store.getClient(gone.id);
    if (existing?.source === 'stack') await store.deleteClient(gone.id);
  }
  return `${wanted.length} stack client(s) written`;
}

/** The custom resource's function: never throws at CloudFormation, answers it either way. */
export async function handler(event: CustomResourceEvent): Promise<void> {
  try {
    const store = new DynamoClientStore(createDocumentClient(), process.env.TABLE_NAME ?? '');
    const reason = await syncClients(event, store);
    logger.info('stack_clients_synced', { reason });
    await respond(event, 'SUCCESS', reason, 'stack-clients');
  } catch (err) {
    const refused = err instanceof SyncRefused;
    logger.error('stack_clients_failed', {
      errorName: (err as Error).name,
      ...(refused ? { errorMessage: (err as Error).message } : {}),
    });
    await respond(
      event,
      'FAILED',
      refused ? (err as Error).message : `${(err as Error).name}: see the function's log`,
      'stack-clients',
    );
  }
}
