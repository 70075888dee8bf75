// The essential work of the authorization server's routes (bench/essential-work.mjs has the rest, and
// the shared helpers it passes in): what the contract requires of any implementation, with the
// mandated libraries (the SDK, jose, and `libs`: otpauth for the MFA step, given by its essential
// bundle's entry or the warm runner) and none of our code. Clients are read once: a function may keep
// one a minute (CLIENT_CACHE_SECONDS), so warm, a client costs nothing.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const ROUTE = process.env.BENCH_ROUTE;

export async function authorizationWork(plan, helpers, libs) {
  const { db, T, S, N, batchGet, userKey, sessionKey, verifyAccess, sign, signBoth } = helpers;
  const everySession = { pk: S('GLOBAL#sessions'), sk: S('EPOCH') };
  const pendingKey = { pk: S('AUTHZ#essential'), sk: S('AUTHZ') };
  let n = 0;
  const get = (Key) => db.send(new GetItemCommand({ TableName: T, Key, ConsistentRead: true }));
  const put = (Item) => db.send(new PutItemCommand({ TableName: T, Item }));
  /** The pending authorization the form names (a strongly consistent read: it was written a moment ago). */
  const readPending = () => get(pendingKey);
  /** The code's item written, then the pending authorization used up by one conditional delete. */
  const issueCode = async () => {
    await put({ pk: S(`CODE#e-${process.pid}-${n++}`), sk: S('CODE'), expiresAt: N(2e9) });
    await db.send(
      new DeleteItemCommand({
        TableName: T,
        Key: pendingKey,
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt > :now',
        ExpressionAttributeValues: { ':now': N(Math.floor(Date.now() / 1000)) },
      }),
    );
  };

  // The login page of a fresh request: the pending authorization written.
  if (ROUTE === 'authorize')
    return async () => {
      await put({ pk: S(`AUTHZ#e-${process.pid}-${n++}`), sk: S('AUTHZ'), expiresAt: N(2e9) });
    };
  // A hosted login: the pending authorization; the login's own work (an SSO session: no tokens); the code.
  if (ROUTE === 'hosted-password' || ROUTE === 'hosted-passkey') {
    const login = ROUTE === 'hosted-password' ? helpers.passwordLogin : await helpers.passkeyLogin();
    return async () => {
      await readPending();
      await login();
      await issueCode();
    };
  }
  // The hosted MFA step: the pending authorization and the MFA step read; the user beside the user's
  // and the IP's places; the secret decrypted and the code checked (otpauth); the step recorded by a
  // conditional write (the replay guard); the MFA step used up; the session beside both attempts'
  // places given back and the cap's query; the code.
  if (ROUTE === 'hosted-mfa') {
    const { Secret, TOTP } = libs.otpauth;
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const sealed = Buffer.concat([cipher.update(randomBytes(20)), cipher.final()]);
    const tag = cipher.getAuthTag();
    const place = (id) => ({ pk: S(id), sk: S('THROTTLE') });
    const places = ['THROTTLE#essential-mfa', 'THROTTLE_IP#essential-mfa'].map(place);
    const add = (Key, k) =>
      db.send(
        new UpdateItemCommand({
          TableName: T,
          Key,
          UpdateExpression: 'ADD failures :n',
          ExpressionAttributeValues: { ':n': N(k) },
        }),
      );
    const mfaKey = { pk: S('MFA#essential'), sk: S('MFA') };
    return async () => {
      await Promise.all([readPending(), get(mfaKey)]);
      await Promise.all([batchGet([userKey, everySession]), ...places.map((k) => add(k, 1))]);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const secret = new Secret({ buffer: Buffer.concat([decipher.update(sealed), decipher.final()]) });
      const totp = new TOTP({ secret });
      if (totp.validate({ token: totp.generate(), window: 1 }) === null) throw new Error('essential TOTP refused');
      await db.send(
        new UpdateItemCommand({
          TableName: T,
          Key: userKey,
          UpdateExpression: 'SET essentialStep = :s',
          ConditionExpression: 'attribute_not_exists(essentialStep) OR essentialStep < :s',
          ExpressionAttributeValues: { ':s': N(Date.now()) },
        }),
      );
      await db.send(new DeleteItemCommand({ TableName: T, Key: mfaKey }));
      const sid = `essential-${process.pid}-${n++}`;
      await Promise.all([
        put({
          ...sessionKey(sid),
          username: S(plan.username),
          expiresAt: N(2e9),
          gsi1pk: S(`ESSENTIAL#${process.pid}`),
        }),
        ...places.map((k) => add(k, -2)),
        helpers.querySessions(`ESSENTIAL#${process.pid}`),
      ]);
      await issueCode();
    };
  }
  // Consent: the pending authorization (its user set at login); the code.
  if (ROUTE === 'consent')
    return async () => {
      await readPending();
      await issueCode();
    };
  // The code grant: the code read (strongly consistent); PKCE's hash compared; the user with the
  // lever's item; the code marked used by one conditional write; the session beside the cap's query
  // and the three tokens (access, refresh, ID).
  if (ROUTE === 'code-grant') {
    const codeKey = { pk: S('CODE#essential'), sk: S('CODE') };
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest();
    return async () => {
      await get(codeKey);
      timingSafeEqual(createHash('sha256').update(verifier).digest(), challenge);
      await batchGet([userKey, everySession]);
      await db.send(
        new UpdateItemCommand({
          TableName: T,
          Key: codeKey,
          UpdateExpression: 'SET usedAt = :t',
          ConditionExpression: 'attribute_not_exists(usedAt) OR usedAt < :t',
          ExpressionAttributeValues: { ':t': N(Date.now()) },
        }),
      );
      const sid = `essential-${process.pid}-${n++}`;
      await Promise.all([
        put({
          ...sessionKey(sid),
          username: S(plan.username),
          expiresAt: N(2e9),
          gsi1pk: S(`ESSENTIAL#${process.pid}`),
        }),
        helpers.querySessions(`ESSENTIAL#${process.pid}`),
        signBoth(sid),
        sign({ sub: plan.username, nonce: 'bench', aud: plan.benchApp.id }, '15m'),
      ]);
    };
  }
  // The SSO logout: the session named by the cookie; its user (the lever, disabled); the delete.
  if (ROUTE === 'sso-logout') {
    const sso = sessionKey(`sso-essential-${process.pid}`);
    return async () => {
      await get(sso);
      await batchGet([userKey, everySession]);
      await db.send(new DeleteItemCommand({ TableName: T, Key: sso }));
    };
  }
  // Dynamic registration: a place in the IP's hourly count (one conditional update), the client written.
  if (ROUTE === 'register')
    return async () => {
      await db.send(
        new UpdateItemCommand({
          TableName: T,
          Key: { pk: S('THROTTLE_IP#essential-dcr'), sk: S('DCR') },
          UpdateExpression: 'ADD registrations :one',
          ConditionExpression: 'attribute_not_exists(registrations) OR registrations < :max',
          ExpressionAttributeValues: { ':one': N(1), ':max': N(1e9) },
        }),
      );
      const id = randomBytes(16).toString('base64url');
      await db.send(
        new PutItemCommand({
          TableName: T,
          Item: { pk: S(`CLIENT#${id}`), sk: S('CLIENT'), name: S('Bench agent') },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    };
  // Userinfo: /users/me's check.
  if (ROUTE === 'userinfo')
    return async () => {
      await verifyAccess(plan.accessToken);
      await batchGet([sessionKey(plan.essentialSid), userKey]);
    };
  // client_credentials: the secret's hash compared, one signature.
  if (ROUTE === 'client-credentials') {
    const stored = createHash('sha256').update(plan.benchService.secret).digest();
    return async () => {
      timingSafeEqual(createHash('sha256').update(plan.benchService.secret).digest(), stored);
      await sign({ sub: plan.benchService.id, jti: 'c', client_id: plan.benchService.id }, '15m');
    };
  }
  throw new Error(`no essential work for ${ROUTE}`);
}
