// Each route's essential work, described once: what the contract requires of any implementation of
// the route (its DynamoDB requests, its JWT signing and verifying, its bcrypt run, its SQS hand-off),
// done directly with the mandated libraries (the AWS SDK, jose, bcryptjs) and none of our code. The
// warm runner (bench/runner.mjs) times it beside the route's bundle, interleaved; the essential
// bundle (bench/essential.mjs, built by esbuild like the deployed functions) runs it once, cold.
//
// BENCH_ROUTE names the route. esbuild replaces it with a constant when it bundles this file, so an
// essential bundle keeps only its route's branch (and imports); the warm runner sets it before it
// imports this file. Plain JavaScript on purpose: a cold start must not include a TypeScript loader.
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import bcrypt from 'bcryptjs';
import { SignJWT, importJWK, jwtVerify } from 'jose';
import { authorizationWork } from './essential-authorization.mjs';
import { passkeyWork } from './essential-passkeys.mjs';

const ROUTE = process.env.BENCH_ROUTE;
// The essential logins' sessions, listed per process: each run's list starts empty, as the measured
// route's user's does (a list grown by every earlier run would slow the cap's query, and flatter us).
const ESSENTIAL_OWNER = `ESSENTIAL#${process.pid}`;
const PASSKEY_ROUTES = [
  'passkey-options',
  'passkey-login',
  'passkey-register-options',
  'passkey-register',
  'passkey-list',
  'passkey-rename',
  'mfa-status',
  'totp-setup',
];

const AUTHORIZATION_ROUTES = [
  'authorize',
  'hosted-password',
  'hosted-mfa',
  'hosted-passkey',
  'consent',
  'code-grant',
  'sso-logout',
  'register',
  'userinfo',
  'client-credentials',
];

const S = (v) => ({ S: v });
const N = (v) => ({ N: String(v) });
const once = (make) => {
  let made;
  return () => (made ??= make());
};

/** The route's essential work as a function to call once per invocation; clients and keys made here, once. */
export async function essentialWork(plan, libs = {}) {
  const db = new DynamoDBClient({
    endpoint: plan.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  const T = plan.tableName;
  // Access tokens: RS256 under the key set's current key (verified with its public half); refresh tokens: HS256.
  // Each key is imported when first used, as a function imports only the keys its route needs.
  const current = JSON.parse(plan.signingKeys).keys.find((k) => k.label === 'current');
  const privateKey = once(() => importJWK(current.jwk, 'RS256'));
  const publicKey = once(() => importJWK({ kty: 'RSA', n: current.jwk.n, e: current.jwk.e }, 'RS256'));
  const hmac = new TextEncoder().encode(plan.secret);
  const checks = { issuer: plan.issuer, audience: plan.audience };
  const verifyRefresh = (t) => jwtVerify(t, hmac, { algorithms: ['HS256'], ...checks });
  const verifyAccess = async (t) =>
    jwtVerify(t, await publicKey(), { algorithms: ['RS256'], typ: 'at+jwt', ...checks });
  const sign = async (claims, exp) => {
    const jwt = new SignJWT(claims)
      .setIssuedAt()
      .setExpirationTime(exp)
      .setIssuer(plan.issuer)
      .setAudience(plan.audience);
    return claims.type === 'refresh'
      ? jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(hmac)
      : jwt.setProtectedHeader({ alg: 'RS256', kid: current.kid, typ: 'at+jwt' }).sign(await privateKey());
  };
  /** One access token and one refresh token: what a login and a refresh hand out. */
  const signBoth = (sid) =>
    Promise.all([
      sign({ sub: plan.username, sid, jti: 'a', client_id: 'web' }, '15m'),
      sign({ sub: plan.username, type: 'refresh', sid, jti: 'r' }, '7d'),
    ]);
  const batchGet = (keys) =>
    db.send(new BatchGetItemCommand({ RequestItems: { [T]: { Keys: keys, ConsistentRead: true } } }));
  const userKey = { pk: S(`USER#${plan.username}`), sk: S('PROFILE') };
  const sessionKey = (sid) => ({ pk: S(`SESSION#${sid}`), sk: S('SESSION') });
  const setV = (Key) =>
    db.send(
      new UpdateItemCommand({
        TableName: T,
        Key,
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': S('x') },
      }),
    );
  const essentialUser = { pk: S('USER#essential'), sk: S('PROFILE') };
  const essentialToken = { pk: S('OTT#essential'), sk: S('OTT') };
  let n = 0;
  let sendMessage;

  // The places of a password check (the contract's brute-force rule: taken before, given back after),
  // in counts of their own: the bundle under test must find its user's counts as it left them.
  const places = ['THROTTLE#essential', 'THROTTLE_IP#essential'].map((id) => ({ pk: S(id), sk: S('THROTTLE') }));
  const addToPlaces = (k) =>
    places.map((Key) =>
      db.send(
        new UpdateItemCommand({
          TableName: T,
          Key,
          UpdateExpression: 'ADD failures :n',
          ExpressionAttributeValues: { ':n': N(k) },
        }),
      ),
    );
  const querySessions = (owner) =>
    db.send(
      new QueryCommand({
        TableName: T,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :u',
        ExpressionAttributeValues: { ':u': S(owner) },
      }),
    );
  /**
   * A place in a count of its own (the contract's per-IP limit needs a bounded count in a window,
   * atomic under concurrency: one conditional update, as a plain ADD could not refuse the request
   * past the limit), then, after `between`, the hand-off to the mail worker (one SQS SendMessage).
   */
  async function countAndHandOff(between = async () => {}) {
    const now = Date.now();
    await db.send(
      new UpdateItemCommand({
        TableName: T,
        Key: { pk: S('THROTTLE_IP#essential'), sk: S('COUNT#essential') },
        UpdateExpression:
          'SET failures = if_not_exists(failures, :zero) + :one, windowStart = if_not_exists(windowStart, :now), ' +
          'expiresAt = if_not_exists(expiresAt, :end)',
        ConditionExpression: 'attribute_not_exists(pk) OR (expiresAt > :nowSec AND failures <= :max)',
        ExpressionAttributeValues: {
          ':zero': N(0),
          ':one': N(1),
          ':now': N(now),
          ':end': N(Math.ceil(now / 1000) + 900),
          ':nowSec': N(Math.floor(now / 1000)),
          ':max': N(1e9),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await between();
    if (!sendMessage) {
      // Imported when first used: only the bundles of the routes that hand off to the worker hold SQS.
      const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
      const sqs = new SQSClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      sendMessage = (body) => sqs.send(new SendMessageCommand({ QueueUrl: plan.queueUrl, MessageBody: body }));
    }
    await sendMessage(JSON.stringify({ u: 'x' }));
  }

  // The contract's login at its floor of two round trips: the user's read beside both places; the
  // password checked; the session beside the places' return, the cap's query and the signing (none
  // for a hosted login's SSO session).
  const passwordLogin = async (signed = true) => {
    const [out] = await Promise.all([
      batchGet([userKey, { pk: S('GLOBAL#sessions'), sk: S('EPOCH') }]),
      ...addToPlaces(1),
    ]);
    const user = out.Responses[T].find((i) => i.sk.S === 'PROFILE');
    await bcrypt.compare(plan.password, user.passwordHash.S);
    const sid = `essential-${process.pid}-${n++}`;
    const item = { ...sessionKey(sid), username: S(plan.username), jti: S('x'), expiresAt: N(2e9) };
    await Promise.all([
      db.send(new PutItemCommand({ TableName: T, Item: { ...item, gsi1pk: S(ESSENTIAL_OWNER), gsi1sk: S(sid) } })),
      ...addToPlaces(-1),
      querySessions(ESSENTIAL_OWNER),
      signed ? signBoth(sid) : undefined,
    ]);
  };
  if (ROUTE === 'token') return () => passwordLogin();
  // The contract's refresh: the token verified, the session and the user read together, the
  // rotation's conditional write, the two new tokens.
  if (ROUTE === 'refresh')
    return async () => {
      await verifyRefresh(plan.essentialRefresh);
      await batchGet([sessionKey(plan.essentialSid), userKey]);
      await db.send(
        new UpdateItemCommand({
          TableName: T,
          Key: sessionKey(plan.essentialSid),
          UpdateExpression: 'SET lastUsedAt = :t',
          ExpressionAttributeValues: { ':t': N(Date.now()) },
        }),
      );
      await signBoth(plan.essentialSid);
    };
  if (ROUTE === 'logout')
    return async () => {
      await verifyRefresh(plan.essentialRefresh);
      await db.send(new DeleteItemCommand({ TableName: T, Key: sessionKey(`gone-${process.pid}-${n++}`) }));
    };
  if (ROUTE === 'me')
    return async () => {
      await verifyAccess(plan.accessToken);
      await batchGet([sessionKey(plan.essentialSid), userKey]);
    };
  // The contract's password change: the caller's session and user beside the places, one bcrypt
  // compare and one hash, the session moved beside the places' return and the index query, the user.
  if (ROUTE === 'password-change')
    return async () => {
      await verifyAccess(plan.accessToken);
      const [out] = await Promise.all([batchGet([sessionKey(plan.essentialSid), userKey]), ...addToPlaces(1)]);
      const user = out.Responses[T].find((i) => i.sk.S === 'PROFILE');
      await bcrypt.compare(plan.password, user.passwordHash.S);
      await bcrypt.hash('a new password', 10);
      await Promise.all([setV(sessionKey(plan.essentialSid)), ...addToPlaces(-1), querySessions('USER#x')]);
      await setV(essentialUser);
    };
  // Forgot and resend: the source IP's count and the hand-off to the worker (what the contract needs
  // for the same answer, as fast, whoever is named).
  if (ROUTE === 'forgot' || ROUTE === 'resend') return () => countAndHandOff();
  // The contract's sign-up: a hash, the IP's count, the name's look-alike claim (written before the
  // user, so two look-alikes cannot both land), the user, the hand-off of the verification message.
  if (ROUTE === 'signup')
    return async () => {
      await bcrypt.hash('a new password', 10);
      const id = `e-${process.pid}-${n++}`;
      await countAndHandOff(async () => {
        await db.send(new PutItemCommand({ TableName: T, Item: { pk: S(`NAME#${id}`), sk: S('NAME') } }));
        await db.send(new PutItemCommand({ TableName: T, Item: { pk: S(`USER#${id}`), sk: S('PROFILE') } }));
      });
    };
  // The contract's reset: the token read and used up, a hash, the lockout cleared, the user written.
  if (ROUTE === 'reset')
    return async () => {
      await db.send(new GetItemCommand({ TableName: T, Key: essentialToken, ConsistentRead: true }));
      await bcrypt.hash('a new password', 10);
      await db.send(new DeleteItemCommand({ TableName: T, Key: essentialToken }));
      await db.send(new DeleteItemCommand({ TableName: T, Key: { pk: S('THROTTLE#essential'), sk: S('THROTTLE') } }));
      await setV(essentialUser);
    };
  // The contract's verification: the token read and used up, the user written.
  if (ROUTE === 'verify')
    return async () => {
      await db.send(new GetItemCommand({ TableName: T, Key: essentialToken, ConsistentRead: true }));
      await db.send(new DeleteItemCommand({ TableName: T, Key: essentialToken }));
      await setV(essentialUser);
    };
  // Passkeys and the second factor (bench/essential-passkeys.mjs), with the library the entry gives.
  if (PASSKEY_ROUTES.includes(ROUTE)) {
    return passkeyWork(plan, { db, T, S, N, batchGet, userKey, sessionKey, verifyAccess, signBoth }, libs);
  }
  // The authorization server (bench/essential-authorization.mjs): the hosted logins reuse the
  // password's and the passkey's essential logins above, without tokens (an SSO session has none).
  if (AUTHORIZATION_ROUTES.includes(ROUTE)) {
    const shared = { db, T, S, N, batchGet, userKey, sessionKey, verifyAccess, signBoth };
    const noTokens = async () => {};
    return authorizationWork(
      plan,
      {
        ...shared,
        sign,
        querySessions,
        passwordLogin: () => passwordLogin(false),
        passkeyLogin: () => passkeyWork(plan, { ...shared, signBoth: noTokens }, libs),
      },
      libs,
    );
  }
  // The discovery routes serve a fixed document: no essential work beyond the invocation itself.
  return async () => {};
}
