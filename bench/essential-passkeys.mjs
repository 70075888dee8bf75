// The essential work of the passkey and second-factor routes (bench/essential-work.mjs has the rest,
// and the shared helpers it passes in): what the contract requires of any implementation, with the
// mandated libraries (the SDK, jose, and `libs`: @simplewebauthn/server or otpauth, given by the
// essential bundle's entry, bench/essential-webauthn.mjs or essential-otpauth.mjs, or by the warm
// runner) and none of our code. Only the routes' entries that need a library hold it.
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

const ROUTE = process.env.BENCH_ROUTE;
// The essential logins' sessions, listed per process: each run's list starts empty, as the measured
// route's user's does (a list grown by every earlier run would slow the cap's query, and flatter us).
const ESSENTIAL_OWNER = `ESSENTIAL#${process.pid}`;

export async function passkeyWork(plan, { db, T, S, N, batchGet, userKey, sessionKey, verifyAccess, signBoth }, libs) {
  const e = plan.essentialPasskey;
  const passkeyKey = { pk: S(`PASSKEY#${e.credentialId}`), sk: S('PASSKEY') };
  const challengeKey = { pk: S('WEBAUTHN#essential'), sk: S('CHALLENGE') };
  const everySession = { pk: S('GLOBAL#sessions'), sk: S('EPOCH') };
  const useChallenge = () =>
    db.send(new DeleteItemCommand({ TableName: T, Key: challengeKey, ReturnValues: 'ALL_OLD' }));
  const putChallenge = () =>
    db.send(
      new PutItemCommand({
        TableName: T,
        Item: { pk: S(`WEBAUTHN#${randomBytes(32).toString('base64url')}`), sk: S('CHALLENGE'), expiresAt: N(2e9) },
      }),
    );
  /** The caller: the access token verified, the session and the user read together. */
  const caller = async () => {
    await verifyAccess(plan.accessToken);
    await batchGet([sessionKey(plan.essentialSid), userKey, everySession]);
  };
  const listPasskeys = () =>
    db.send(
      new QueryCommand({
        TableName: T,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :o',
        ExpressionAttributeValues: { ':o': S(`PASSKEYS#${plan.username}`) },
      }),
    );
  const readPasskeys = (keys) =>
    keys.length === 0
      ? undefined
      : db.send(new BatchGetItemCommand({ RequestItems: { [T]: { Keys: keys, ConsistentRead: true } } }));
  const indexKeys = (out) => out.Items.map((i) => ({ pk: i.pk, sk: i.sk }));
  let n = 0;

  // A usernameless login's options: a challenge written.
  if (ROUTE === 'passkey-options') return putChallenge;
  // The contract's passkey login: the challenge used up; the passkey read beside a place in the IP's
  // count; the user with the lever's item; the assertion verified with the library; the counter; the
  // session beside the place's return, the cap's query and the signing.
  if (ROUTE === 'passkey-login' || ROUTE === 'hosted-passkey') {
    const { verifyAuthenticationResponse } = libs.webauthn;
    const ipCount = { pk: S('THROTTLE_IP#essential-passkey'), sk: S('THROTTLE') };
    const addToIp = (k) =>
      db.send(
        new UpdateItemCommand({
          TableName: T,
          Key: ipCount,
          UpdateExpression: 'ADD failures :n',
          ExpressionAttributeValues: { ':n': N(k) },
        }),
      );
    const publicKey = Buffer.from(e.publicKey, 'base64url');
    return async () => {
      await useChallenge();
      await Promise.all([
        db.send(new GetItemCommand({ TableName: T, Key: passkeyKey, ConsistentRead: true })),
        addToIp(1),
      ]);
      await batchGet([userKey, everySession]);
      const out = await verifyAuthenticationResponse({
        response: e.assertion,
        expectedChallenge: e.challenge,
        expectedOrigin: plan.issuer,
        expectedRPID: e.rpId,
        credential: { id: e.credentialId, publicKey, counter: 0 },
        requireUserVerification: false,
      });
      if (!out.verified) throw new Error('the essential assertion was refused');
      await db.send(
        new UpdateItemCommand({
          TableName: T,
          Key: passkeyKey,
          UpdateExpression: 'SET lastUsedAt = :t',
          ExpressionAttributeValues: { ':t': N(Date.now()) },
        }),
      );
      const sid = `essential-${process.pid}-${n++}`;
      const item = { ...sessionKey(sid), username: S(plan.username), jti: S('x'), expiresAt: N(2e9) };
      await Promise.all([
        db.send(new PutItemCommand({ TableName: T, Item: { ...item, gsi1pk: S(ESSENTIAL_OWNER), gsi1sk: S(sid) } })),
        addToIp(-1),
        db.send(
          new QueryCommand({
            TableName: T,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :u',
            ExpressionAttributeValues: { ':u': S(ESSENTIAL_OWNER) },
          }),
        ),
        signBoth(sid),
      ]);
    };
  }
  // Registration options: the caller (whose user item holds the handle made at the first
  // registration); the passkeys to exclude; the challenge.
  if (ROUTE === 'passkey-register-options')
    return async () => {
      await caller();
      await readPasskeys(indexKeys(await listPasskeys()));
      await putChallenge();
    };
  // Registration: the caller; the challenge used up; the response verified with the library; the passkey.
  if (ROUTE === 'passkey-register') {
    const { verifyRegistrationResponse } = libs.webauthn;
    return async () => {
      await caller();
      await useChallenge();
      const out = await verifyRegistrationResponse({
        response: e.registration,
        expectedChallenge: e.challenge,
        expectedOrigin: plan.issuer,
        expectedRPID: e.rpId,
        requireUserVerification: false,
        supportedAlgorithmIDs: [-8, -7, -257],
      });
      if (!out.verified) throw new Error('the essential registration was refused');
      const key = Buffer.from(out.registrationInfo.credential.publicKey).toString('base64url');
      await db.send(
        new PutItemCommand({
          TableName: T,
          Item: { pk: S(`PASSKEY#essential-${n++}`), sk: S('PASSKEY'), publicKey: S(key), counter: N(0) },
        }),
      );
    };
  }
  if (ROUTE === 'passkey-list')
    return async () => {
      await caller();
      await readPasskeys(indexKeys(await listPasskeys()));
    };
  if (ROUTE === 'passkey-rename')
    return async () => {
      await caller();
      await db.send(
        new UpdateItemCommand({
          TableName: T,
          Key: passkeyKey,
          UpdateExpression: 'SET #n = :n',
          ExpressionAttributeNames: { '#n': 'name' },
          ExpressionAttributeValues: { ':n': S('Bench passkey') },
        }),
      );
    };
  // The second factor's status: the caller (TOTP state on the user item) beside the passkeys' count.
  if (ROUTE === 'mfa-status')
    return async () => {
      await verifyAccess(plan.accessToken);
      await Promise.all([batchGet([sessionKey(plan.essentialSid), userKey, everySession]), listPasskeys()]);
    };
  // TOTP setup: the caller; a new secret (otpauth), encrypted under the MFA key, kept as pending by a
  // conditional write.
  if (ROUTE === 'totp-setup') {
    const { Secret, TOTP } = libs.otpauth;
    const key = Buffer.from(hkdfSync('sha256', plan.secret, Buffer.alloc(0), 'essential totp', 32));
    return async () => {
      await caller();
      const secret = new Secret({ size: 20 });
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(secret.base32), cipher.final()]);
      await db.send(
        new UpdateItemCommand({
          TableName: T,
          Key: userKey,
          UpdateExpression: 'SET essentialPending = :p',
          // The contract's condition: only while TOTP is off and the user enabled.
          ConditionExpression:
            'attribute_not_exists(totpEnabledAt) AND (attribute_not_exists(disabled) OR disabled = :f)',
          ExpressionAttributeValues: {
            ':f': { BOOL: false },
            ':p': S(
              `${iv.toString('base64url')}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`,
            ),
          },
        }),
      );
      new TOTP({ issuer: 'bench', label: plan.username, secret }).toString();
    };
  }
  throw new Error(`no essential work for ${ROUTE}`);
}
