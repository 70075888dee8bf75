/** The benchmark's sessions, written straight into the table as a login would leave them. */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newId, type TokenService } from '../functions/core/tokens';
import { TABLE, sessionKey } from '../functions/store/schema';
import { TABLE_NAME } from './settings';

export interface BenchSession {
  sid: string;
  refresh: string;
  access: string;
}

/** A function writing `n` live sessions of `owner` (logged in just now: recent) and returning their tokens. */
export function sessionWriter(tokens: TokenService, doc: DynamoDBDocumentClient, username: string) {
  return async function sessions(n: number, owner = username): Promise<BenchSession[]> {
    const out: (BenchSession & { jti: string })[] = [];
    const now = Date.now();
    const iat = Math.floor(now / 1000);
    for (let i = 0; i < n; i++) {
      const sid = newId();
      const jti = newId();
      const refresh = await tokens.sign({ type: 'refresh', sub: owner, sid, jti, issuedAt: now });
      // With the scopes an OpenID Connect client asks for: userinfo answers them; the other routes ignore them.
      const scope = ['openid', 'profile', 'email'];
      const access = await tokens.sign({ type: 'access', sub: owner, sid, jti: newId(), issuedAt: now, scope });
      out.push({ sid, refresh, access, jti });
    }
    for (let i = 0; i < out.length; i += 25) {
      const items = out.slice(i, i + 25).map((s) => ({
        PutRequest: {
          Item: {
            ...sessionKey(s.sid),
            sid: s.sid,
            username: owner,
            jti: s.jti,
            createdAt: now,
            lastUsedAt: now,
            // A password login's: the routes that want a recent login (passkey registration) accept it.
            authAt: now,
            amr: ['pwd'],
            expiresAt: iat + 604800,
            absoluteExpiresAt: iat + 2592000,
            [TABLE.indexPartitionKey]: `USER#${owner}`,
            [TABLE.indexSortKey]: `SESSION#${now}`,
          },
        },
      }));
      await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE_NAME]: items } }));
    }
    return out;
  };
}
