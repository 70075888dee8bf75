/**
 * The composition root of the authorization code flow's functions (authorize, the hosted pages,
 * consent, logout): the OAuth root (sessions, configuration, the client registry) and the
 * authorization server over the pending authorizations and codes (docs/authorization-server.md).
 * The login functions add their own login (the password's, the MFA step's, the passkey's).
 */
import { AuthorizationServer } from '../core/authorization-server';
import { audit } from '../http/logger';
import { DynamoAuthorizationStore } from '../store/authorization-store';
import { db, store } from '../sessions/runtime';
import { acceptImportedHashes, acceptLegacyUsers, auth, clients, config, tokens } from './runtime';

export { acceptImportedHashes, acceptLegacyUsers, auth, clients, config, tokens };
export const authorizations = new DynamoAuthorizationStore(db, config.tableName, store);
export const server = new AuthorizationServer(
  authorizations,
  auth,
  (id) => clients.find(id),
  { issuer: config.issuer },
  audit,
);
export const secureCookies = config.cookie.secure;
