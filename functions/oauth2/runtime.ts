/**
 * The composition root of the OAuth endpoints. They build on the sessions' root: the same AuthService
 * (sessions, rotation, the lockout's places, audit) and the same configuration, plus the client
 * registry (docs/architecture.md "Layout"; docs/authorization-server.md "Clients").
 */
import { ClientRegistry } from '../core/client-registry';
import { DynamoClientStore } from '../store/client-store';
import { audit } from '../http/logger';
import { acceptImportedHashes, acceptLegacyUsers, auth, config, db, tokens } from '../sessions/runtime';

export { acceptImportedHashes, acceptLegacyUsers, auth, config, tokens };
export const clients = new ClientRegistry(new DynamoClientStore(db, config.tableName), config, auth.attempts, audit);
