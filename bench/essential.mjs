// The essential bundle of a route (built by bench/bench.ts with esbuild, bundled like the deployed
// functions): the same SDK client, jose and bcryptjs, and that route's own store and key work, none
// of our code. Its cold start is the floor the mandated libraries allow; the deployed bundle's cold
// start is reported as a ratio to it. BENCH_ROUTE is replaced at build time, so each bundle keeps
// only its route's branch.
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import bcrypt from 'bcryptjs';
import { SignJWT, importJWK, jwtVerify } from 'jose';

const ROUTE = process.env.BENCH_ROUTE;

export async function handler(plan) {
  const db = new DynamoDBClient({
    endpoint: plan.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const T = plan.tableName;
  const S = (v) => ({ S: v });
  const userKey = { pk: S(`USER#${plan.username}`), sk: S('PROFILE') };
  const sessionKey = (sid) => ({ pk: S(`SESSION#${sid}`), sk: S('SESSION') });
  const hmac = new TextEncoder().encode(plan.secret);
  const current = JSON.parse(plan.signingKeys).keys.find((k) => k.label === 'current');
  const checks = { issuer: plan.issuer, audience: plan.audience };
  const sid = plan.essentialSid;
  const signBoth = async () => {
    const access = new SignJWT({ sid, client_id: 'web' }).setIssuedAt().setExpirationTime('15m');
    const refresh = new SignJWT({ sid, type: 'refresh' }).setIssuedAt().setExpirationTime('7d');
    await Promise.all([
      access
        .setProtectedHeader({ alg: 'RS256', kid: current.kid, typ: 'at+jwt' })
        .sign(await importJWK(current.jwk, 'RS256')),
      refresh.setProtectedHeader({ alg: 'HS256' }).sign(hmac),
    ]);
  };
  // A password check as the contract wants it: a place in the username's and the IP's failure counts
  // taken before, given back after. Counts of their own: the bundle under test must find its user's
  // counts as it left them.
  const checkWithPlaces = async (hash) => {
    const places = ['THROTTLE#essential', 'THROTTLE_IP#essential'].map((id) => ({ pk: S(id), sk: S('THROTTLE') }));
    const add = (n) => (Key) =>
      db.send(
        new UpdateItemCommand({
          TableName: T,
          Key,
          UpdateExpression: 'ADD failures :n',
          ExpressionAttributeValues: { ':n': { N: String(n) } },
        }),
      );
    await Promise.all(places.map(add(1)));
    await bcrypt.compare(plan.password, hash);
    await Promise.all(places.map(add(-1)));
  };
  const querySessions = () =>
    db.send(
      new QueryCommand({
        TableName: T,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :u',
        ExpressionAttributeValues: { ':u': S('USER#x') },
      }),
    );
  if (ROUTE === 'token') {
    // The contract's login: one read, the checked password's places, the session, the cap's query.
    const out = await db.send(
      new BatchGetItemCommand({ RequestItems: { [T]: { Keys: [userKey], ConsistentRead: true } } }),
    );
    await checkWithPlaces(out.Responses[T][0].passwordHash.S);
    await db.send(new PutItemCommand({ TableName: T, Item: { ...sessionKey(`e-${Date.now()}`), username: S('x') } }));
    await Promise.all([querySessions(), signBoth()]);
  } else if (ROUTE === 'password-change') {
    // The contract's password change (bench/runner.mjs has the same, warm).
    const key = await importJWK({ kty: 'RSA', n: current.jwk.n, e: current.jwk.e }, 'RS256');
    await jwtVerify(plan.accessToken, key, { algorithms: ['RS256'], ...checks });
    const out = await db.send(
      new BatchGetItemCommand({ RequestItems: { [T]: { Keys: [sessionKey(sid), userKey], ConsistentRead: true } } }),
    );
    const user = out.Responses[T].find((i) => i.sk.S === 'PROFILE');
    await checkWithPlaces(user.passwordHash.S);
    await bcrypt.hash('a new password', 10);
    const version = (Key) =>
      db.send(
        new UpdateItemCommand({
          TableName: T,
          Key,
          UpdateExpression: 'SET v = :v',
          ExpressionAttributeValues: { ':v': S('x') },
        }),
      );
    await version(sessionKey(sid));
    await version({ pk: S('USER#essential'), sk: S('PROFILE') });
    await querySessions();
  } else if (ROUTE === 'forgot' || ROUTE === 'resend' || ROUTE === 'signup') {
    // The source IP's count, (for sign-up: a hash and the user,) then the hand-off to the worker.
    if (ROUTE === 'signup') await bcrypt.hash('a new password', 10);
    // A bounded count in a window, atomic under concurrency (bench/runner.mjs has the same, warm).
    const count = { pk: S('THROTTLE_IP#essential'), sk: S('COUNT#essential') };
    const now = Date.now();
    const n = (v) => ({ N: String(v) });
    await db.send(
      new UpdateItemCommand({
        TableName: T,
        Key: count,
        UpdateExpression:
          'SET failures = if_not_exists(failures, :zero) + :one, windowStart = if_not_exists(windowStart, :now), ' +
          'expiresAt = if_not_exists(expiresAt, :end)',
        ConditionExpression: 'attribute_not_exists(pk) OR (expiresAt > :nowSec AND failures <= :max)',
        ExpressionAttributeValues: {
          ':zero': n(0),
          ':one': n(1),
          ':now': n(now),
          ':end': n(Math.ceil(now / 1000) + 900),
          ':nowSec': n(Math.floor(now / 1000)),
          ':max': n(1e9),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (ROUTE === 'signup')
      await db.send(new PutItemCommand({ TableName: T, Item: { pk: S(`USER#e-${Date.now()}`), sk: S('PROFILE') } }));
    const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await sqs.send(new SendMessageCommand({ QueueUrl: plan.queueUrl, MessageBody: '{"u":"x"}' }));
    sqs.destroy();
  } else if (ROUTE === 'reset' || ROUTE === 'verify') {
    // The token read and used up, (for a reset: a hash and the lockout cleared,) the user written.
    const token = { pk: S('OTT#essential'), sk: S('OTT') };
    await db.send(new GetItemCommand({ TableName: T, Key: token, ConsistentRead: true }));
    if (ROUTE === 'reset') await bcrypt.hash('a new password', 10);
    await db.send(new DeleteItemCommand({ TableName: T, Key: token }));
    if (ROUTE === 'reset')
      await db.send(new DeleteItemCommand({ TableName: T, Key: { pk: S('THROTTLE#essential'), sk: S('THROTTLE') } }));
    const set = { UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': S('x') } };
    await db.send(new UpdateItemCommand({ TableName: T, Key: { pk: S('USER#essential'), sk: S('PROFILE') }, ...set }));
  } else if (ROUTE === 'refresh') {
    await jwtVerify(plan.essentialRefresh, hmac, { algorithms: ['HS256'], ...checks });
    await db.send(
      new BatchGetItemCommand({ RequestItems: { [T]: { Keys: [sessionKey(sid), userKey], ConsistentRead: true } } }),
    );
    const update = { TableName: T, Key: sessionKey(sid), UpdateExpression: 'SET lastUsedAt = :t' };
    await db.send(new UpdateItemCommand({ ...update, ExpressionAttributeValues: { ':t': { N: String(Date.now()) } } }));
    await signBoth();
  } else if (ROUTE === 'logout') {
    await jwtVerify(plan.essentialRefresh, hmac, { algorithms: ['HS256'], ...checks });
    await db.send(new DeleteItemCommand({ TableName: T, Key: sessionKey(`gone-${Date.now()}`) }));
  } else if (ROUTE === 'me') {
    const key = await importJWK({ kty: 'RSA', n: current.jwk.n, e: current.jwk.e }, 'RS256');
    await jwtVerify(plan.accessToken, key, { algorithms: ['RS256'], ...checks });
    await db.send(
      new BatchGetItemCommand({ RequestItems: { [T]: { Keys: [sessionKey(sid), userKey], ConsistentRead: true } } }),
    );
  } else {
    // The discovery routes: a JSON document, no store, no private key.
    JSON.stringify({ keys: [{ kty: 'RSA', n: current.jwk.n, e: current.jwk.e, kid: current.kid }] });
  }
  db.destroy();
}
