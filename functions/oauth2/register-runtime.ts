/**
 * The composition root of dynamic client registration: the account routes' token-less root (no key
 * is read: a registration signs nothing), its store's per-IP counts, and the client registry's items.
 */
import { accountStore, config, db } from '../accounts/recovery-runtime';
import { DynamoClientStore } from '../store/client-store';

export { accountStore, config };
export const clients = new DynamoClientStore(db, config.tableName);
