import { loadConfig } from '../core/config';
import { createDocumentClient } from '../store/client';
import { DynamoStore } from '../store/dynamo-store';

/**
 * The composition root of POST /auth/passkeys/login/options: no keys and no session service, only
 * the table (the user's passkeys, the challenge it stores).
 */
export const config = loadConfig(process.env, { needsKeys: false });
export const store = new DynamoStore(createDocumentClient(), config.tableName);
