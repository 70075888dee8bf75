/** The account routes' fixtures for the benchmark: users, and single-use tokens written straight into the table. */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newOneTimeToken } from '../functions/core/one-time-tokens';
import { hashPassword } from '../functions/core/passwords';
import { oneTimeTokenKey, userKey } from '../functions/store/schema';

const TABLE_NAME = 'auth-bench';

async function writeAll(doc: DynamoDBDocumentClient, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE_NAME]: batch } }));
  }
}

/**
 * `resets` users with one reset token each (a reset moves the credential version, so a user's other
 * links die: one user per reset), one user with `verifies` verification tokens, a user for forgot,
 * an unverified one for resend.
 */
export async function seedAccounts(doc: DynamoDBDocumentClient, password: string, resets: number, verifies: number) {
  const passwordHash = await hashPassword(password, 10);
  const user = (username: string, extra: Record<string, unknown> = {}) => ({
    ...userKey(username),
    username,
    passwordHash,
    disabled: false,
    createdAt: Date.now(),
    email: `${username}@bench.example`,
    ...extra,
  });
  const expiresAt = Math.floor(Date.now() / 1000) + 1800;
  const token = (kind: string, username: string, extra: Record<string, unknown>) => {
    const { token: value, hash } = newOneTimeToken();
    return { value, item: { ...oneTimeTokenKey(hash), hash, kind, username, expiresAt, ...extra } };
  };
  const resetTokens = Array.from({ length: resets }, (_, i) =>
    token('password_reset', `bench-reset-${i}`, { credentialVersion: `v-${i}` }),
  );
  const verifyTokens = Array.from({ length: verifies }, () =>
    token('email_verify', 'bench-verifier', { email: 'bench-verifier@bench.example' }),
  );
  await writeAll(doc, [
    ...Array.from({ length: resets }, (_, i) => user(`bench-reset-${i}`, { credentialVersion: `v-${i}` })),
    user('bench-verifier', { emailVerified: false }),
    user('bench-forgetful'),
    user('bench-unverified', { emailVerified: false }),
    ...resetTokens.map((t) => t.item),
    ...verifyTokens.map((t) => t.item),
  ]);
  return {
    resetTokens: resetTokens.map((t) => t.value),
    verifyTokens: verifyTokens.map((t) => t.value),
    forgotUsers: { known: 'bench-forgetful', unknown: 'bench-nobody' },
    resendUser: 'bench-unverified',
  };
}
