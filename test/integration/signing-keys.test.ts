import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceUnavailableError } from '../../functions/core/errors';
import { KeyRotation } from '../../functions/core/key-rotation';
import { type KeySet, keyOf, newKeySet, parseJwks, parseKeySet } from '../../functions/core/keys';
import { TokenError, TokenService } from '../../functions/core/tokens';
import { keySetSecrets } from '../../functions/store/key-set-secrets';
import { KEY_CACHE_MS, UNKNOWN_KID_REFETCH_MS, tokenKeys } from '../../functions/store/keys';
import { SecretsManagerStandIn } from '../support/secrets-manager';

/**
 * The deployed key path against a stateful stand-in Secrets Manager (its JSON protocol on
 * 127.0.0.1), reached through the SDK's own AWS_ENDPOINT_URL_SECRETS_MANAGER setting: the real
 * client, no mocked SDK. The rotation function's four steps, the caches, and the 503s.
 */
const sm = new SecretsManagerStandIn();
beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: await sm.start(),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
});
afterAll(() => sm.stop());
beforeEach(() => {
  sm.calls.length = 0;
  sm.failing.clear();
});

const settings = { issuer: 'i', audience: 'a', accessTokenTtl: 900, refreshTokenTtl: 604800, defaultClientId: 'web' };
const claims = { sub: 'johndoe', sid: 'A'.repeat(22), jti: 'B'.repeat(22) };
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/**
 * A deployment's secrets: the refresh secret, the private key set (initialized as the custom resource does) and its
 * public copy.
 */
async function deployment() {
  const refreshArn = sm.create(`refresh-${Math.random()}`, 'R'.repeat(64));
  const privateArn = sm.create(`keys-${Math.random()}`, 'placeholder from CloudFormation');
  const publicArn = sm.create(`public-${Math.random()}`, 'placeholder from CloudFormation');
  const rotation = new KeyRotation(keySetSecrets(privateArn, publicArn));
  await rotation.initialize('initial-version');
  let clock = Date.now();
  const now = () => clock;
  /** A login/refresh function (signs) and a /users/me function (verifies with the public copy only). */
  const signer = new TokenService(
    tokenKeys({ jwtSecretArn: refreshArn, signingKeysArn: privateArn }, { now }),
    settings,
  );
  const verifier = new TokenService(tokenKeys({ publicKeysArn: publicArn }, { now }), settings);
  const rotate = async (times = 1) => {
    const token = sm.beginRotation(privateArn);
    for (const step of STEPS) for (let i = 0; i < times; i++) await rotation.step(step, token);
    return token;
  };
  return {
    refreshArn,
    privateArn,
    publicArn,
    rotation,
    signer,
    verifier,
    rotate,
    advance: (ms: number) => (clock += ms),
  };
}

const sign = (tokens: TokenService) => tokens.sign({ type: 'access', ...claims, issuedAt: Date.now() });
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof TokenError ? `refused: ${e.reason}` : (e as Error).name),
  );
const currentKid = async (arn: string) => keyOf((await parseKeySet(sm.valueAt(arn)))!, 'current').kid;

describe('the key set at deploy time (custom resource)', () => {
  test('makes a whole set when the secret holds none, publishes its public halves first, idempotently', async () => {
    const { privateArn, publicArn, rotation } = await deployment();
    const set = (await parseKeySet(sm.valueAt(privateArn)))!;
    expect(set.keys.map((k) => k.label).sort()).toEqual(['current', 'next', 'previous']);
    const published = parseJwks(sm.valueAt(publicArn))!;
    expect(published.map((k) => k.kid)).toEqual(set.keys.map((k) => k.kid));
    expect(JSON.stringify(published)).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
    const putOrder = sm.calls.filter((c) => c.op === 'PutSecretValue').map((c) => c.secretId);
    expect(putOrder).toEqual([publicArn, privateArn]);

    expect(await rotation.initialize('another-version')).toEqual({ created: false, kids: set.keys.map((k) => k.kid) });
    expect(sm.valueAt(privateArn)).toBe(JSON.stringify(set));
  });
});

describe('rotation (the four steps, each run twice as Secrets Manager may retry them)', () => {
  test('next becomes current and current previous; tokens signed before it still verify after it', async () => {
    const d = await deployment();
    const before = (await parseKeySet(sm.valueAt(d.privateArn)))!;
    const oldToken = await sign(d.signer);
    expect(await outcome(d.verifier.verify(oldToken, 'access'))).toBe('ok');

    await d.rotate(2);
    const after = (await parseKeySet(sm.valueAt(d.privateArn)))!;
    expect(keyOf(after, 'previous').kid).toBe(keyOf(before, 'current').kid);
    expect(keyOf(after, 'current').kid).toBe(keyOf(before, 'next').kid);
    expect(before.keys.map((k) => k.kid)).not.toContain(keyOf(after, 'next').kid);
    expect(Object.values(sm.stages(d.privateArn)).filter((s) => s.includes('AWSCURRENT'))).toHaveLength(1);

    // Warm functions pick the rotation up when their cache expires (at most 5 minutes).
    d.advance(KEY_CACHE_MS);
    const newToken = await sign(d.signer);
    expect(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString()).kid).toBe(
      keyOf(after, 'current').kid,
    );
    expect(await outcome(d.verifier.verify(oldToken, 'access'))).toBe('ok');
    expect(await outcome(d.verifier.verify(newToken, 'access'))).toBe('ok');
  });

  test('a token signed with a key no longer published is refused', async () => {
    const d = await deployment();
    const oldToken = await sign(d.signer);
    await d.rotate();
    await d.rotate(); // the key that signed oldToken was previous after one rotation, and is gone after two
    d.advance(KEY_CACHE_MS);
    expect(await outcome(d.verifier.verify(oldToken, 'access'))).toBe('refused: unknown kid');
  });

  test('publishes the pending keys before they can sign: after setSecret the private set is unchanged', async () => {
    const d = await deployment();
    const current = sm.valueAt(d.privateArn);
    const token = sm.beginRotation(d.privateArn);
    await d.rotation.step('createSecret', token);
    await d.rotation.step('setSecret', token);
    const pending = (await parseKeySet(sm.valueAt(d.privateArn, 'AWSPENDING')))!;
    expect(parseJwks(sm.valueAt(d.publicArn))!.map((k) => k.kid)).toEqual(pending.keys.map((k) => k.kid));
    expect(sm.valueAt(d.privateArn)).toBe(current);
  });

  test('createSecret makes a whole new set when the current value is no key set', async () => {
    const privateArn = sm.create(`broken-${Math.random()}`, '{"keys": []}');
    const publicArn = sm.create(`public-${Math.random()}`, 'x');
    const rotation = new KeyRotation(keySetSecrets(privateArn, publicArn));
    const token = sm.beginRotation(privateArn);
    for (const step of STEPS) await rotation.step(step, token);
    expect(await parseKeySet(sm.valueAt(privateArn))).toBeDefined();
  });

  test('refuses a version that is not pending, and a secret without rotation', async () => {
    const d = await deployment();
    sm.beginRotation(d.privateArn);
    await expect(d.rotation.step('createSecret', 'no-such-version')).rejects.toThrow(/no stage for rotation/);
    const plain = sm.create(`plain-${Math.random()}`, 'x');
    await expect(new KeyRotation(keySetSecrets(plain, d.publicArn)).step('createSecret', 'v')).rejects.toThrow(
      /rotation is not enabled/,
    );
  });
});

describe('the emergency lever: the whole key set replaced at once', () => {
  test('three fresh keys; no kid of the old set is published after it, and tokens it signed are refused', async () => {
    const d = await deployment();
    const old = (await parseKeySet(sm.valueAt(d.privateArn)))!;
    const oldToken = await sign(d.signer);
    expect(await outcome(d.verifier.verify(oldToken, 'access'))).toBe('ok');

    const { kids, withdrawn } = await d.rotation.replace('emergency-1');
    const fresh = (await parseKeySet(sm.valueAt(d.privateArn)))!;
    const oldKids = old.keys.map((k) => k.kid);
    expect(fresh.keys.map((k) => k.kid).sort()).toEqual([...kids].sort());
    expect(kids.filter((k) => oldKids.includes(k))).toEqual([]);
    expect(withdrawn.sort()).toEqual([...oldKids].sort());
    expect(
      parseJwks(sm.valueAt(d.publicArn))!
        .map((k) => k.kid)
        .sort(),
    ).toEqual([...kids].sort());
    // The fresh set went through the rotation's own path: pending, published, then current.
    const puts = sm.calls.filter((c) => c.op === 'PutSecretValue').map((c) => c.secretId);
    expect(puts.slice(-2)).toEqual([d.privateArn, d.publicArn]);

    // Warm functions see it within their cache's 5 minutes: then the old token is refused, new ones sign.
    d.advance(KEY_CACHE_MS);
    expect(await outcome(d.verifier.verify(oldToken, 'access'))).toBe('refused: unknown kid');
    expect(await outcome(d.verifier.verify(await sign(d.signer), 'access'))).toBe('ok');
    // Idempotent on its version id (a retried command changes nothing).
    expect(await d.rotation.replace('emergency-1')).toEqual({ kids, withdrawn: [] });
    expect(sm.valueAt(d.privateArn)).toBe(JSON.stringify(fresh));
  });

  test('a scheduled rotation in flight cannot bring the old set back', async () => {
    const d = await deployment();
    const old = (await parseKeySet(sm.valueAt(d.privateArn)))!;
    const token = sm.beginRotation(d.privateArn);
    await d.rotation.step('createSecret', token); // pending: the old set rotated (its next key would sign)
    const { kids } = await d.rotation.replace('emergency-2');
    for (const step of ['setSecret', 'testSecret', 'finishSecret'] as const)
      await expect(d.rotation.step(step, token)).rejects.toThrow(/not AWSPENDING/);
    const published = parseJwks(sm.valueAt(d.publicArn))!.map((k) => k.kid);
    expect(published.sort()).toEqual([...kids].sort());
    expect(published.filter((k) => old.keys.some((o) => o.kid === k))).toEqual([]);
    // The next scheduled rotation starts from the fresh set.
    await d.rotate();
    const after = (await parseKeySet(sm.valueAt(d.privateArn)))!;
    expect(after.keys.filter((k) => old.keys.some((o) => o.kid === k.kid))).toEqual([]);
  });

  test('npm run keys -- replace --yes, against the two secrets of a deployed stack', async () => {
    const d = await deployment();
    const old = (await parseKeySet(sm.valueAt(d.privateArn)))!;
    const { runKeysCli } = await import('../../dev/keys-cli');
    const env = { ...process.env, SIGNING_KEYS_ARN: d.privateArn, PUBLIC_KEYS_ARN: d.publicArn };
    const printed: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    try {
      await expect(runKeysCli(['replace'], env)).rejects.toThrow(/add --yes/);
      expect(sm.valueAt(d.privateArn)).toBe(JSON.stringify(old));
      expect(await runKeysCli(['replace', '--yes'], env)).toBe(0);
    } finally {
      log.mockRestore();
    }
    const published = parseJwks(sm.valueAt(d.publicArn))!.map((k) => k.kid);
    expect(published.filter((k) => old.keys.some((o) => o.kid === k))).toEqual([]);
    expect(printed.join('\n')).toContain(
      `withdrawn (no longer published, their tokens refused): ${old.keys.map((k) => k.kid).join(', ')}`,
    );
  });
});

describe('key material in the functions', () => {
  test('is fetched once, on first use, and cached for 5 minutes', async () => {
    const d = await deployment();
    sm.calls.length = 0;
    const token = await sign(d.signer);
    await d.signer.sign({ type: 'refresh', ...claims, issuedAt: Date.now() });
    await d.verifier.verify(token, 'access');
    await d.verifier.verify(token, 'access');
    expect(sm.calls.map((c) => c.secretId).sort()).toEqual([d.privateArn, d.publicArn, d.refreshArn].sort());
    d.advance(KEY_CACHE_MS - 1);
    await d.verifier.verify(token, 'access');
    expect(sm.calls).toHaveLength(3);
    d.advance(1);
    await d.verifier.verify(token, 'access');
    expect(sm.calls).toHaveLength(4);
  });

  test('an unknown kid makes a verifier look again, at most once per 10 seconds', async () => {
    const d = await deployment();
    const token = await sign(d.signer);
    await d.verifier.verify(token, 'access');
    const stranger = (await newKeySet(Date.now())) as KeySet;
    const forged = await new TokenService(
      tokenKeys({ jwtSecret: 'x'.repeat(32), signingKeys: JSON.stringify(stranger) }),
      settings,
    ).sign({ type: 'access', ...claims, issuedAt: Date.now() });
    sm.calls.length = 0;
    d.advance(UNKNOWN_KID_REFETCH_MS);
    expect(await outcome(d.verifier.verify(forged, 'access'))).toBe('refused: unknown kid');
    expect(await outcome(d.verifier.verify(forged, 'access'))).toBe('refused: unknown kid');
    expect(sm.calls).toHaveLength(1);
  });

  test('an unreachable or failing Secrets Manager is a ServiceUnavailableError (503), retried later', async () => {
    const d = await deployment();
    sm.failing.add('GetSecretValue');
    expect(await outcome(sign(d.signer))).toBe('ServiceUnavailableError');
    expect(await outcome(d.signer.sign({ type: 'refresh', ...claims, issuedAt: 0 }))).toBe('ServiceUnavailableError');
    sm.failing.clear();
    expect(await sign(d.signer)).toMatch(/^eyJ/);
  });

  test('an invalid key set or a short refresh secret is a 503 and is not cached', async () => {
    const d = await deployment();
    const good = sm.valueAt(d.privateArn)!;
    const arn = sm.create(`bad-${Math.random()}`, '{"keys": "not a key set"}');
    const tokens = new TokenService(
      tokenKeys({ signingKeysArn: arn, jwtSecretArn: sm.create('short', 'short') }),
      settings,
    );
    await expect(sign(tokens)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(tokens.sign({ type: 'refresh', ...claims, issuedAt: 0 })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    await sm_put(arn, good);
    expect(await sign(tokens)).toMatch(/^eyJ/);
    expect(await currentKid(arn)).toBe(await currentKid(d.privateArn));
  });
});

/** Puts a new current value, as an operator's fix would. */
async function sm_put(arn: string, value: string) {
  const { secretsManager } = await import('../../functions/store/secrets');
  const { client, module } = await secretsManager();
  await client.send(new module.PutSecretValueCommand({ SecretId: arn, SecretString: value }));
}

describe('the signing-keys function', () => {
  let server: Server;
  let responses: Record<string, unknown>[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        responses.push({ method: req.method, ...JSON.parse(raw) });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise((r) => server.close(r)));

  test('answers CloudFormation for the custom resource, and runs the rotation steps it is sent', async () => {
    const privateArn = sm.create(`fn-keys-${Math.random()}`, 'placeholder');
    const publicArn = sm.create(`fn-public-${Math.random()}`, 'placeholder');
    Object.assign(process.env, { SIGNING_KEYS_ARN: privateArn, PUBLIC_KEYS_ARN: publicArn });
    const { handler } = await import('../../functions/keys/signing-keys');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
    const cfn = { ResponseURL: url, StackId: 's', RequestId: 'r', LogicalResourceId: 'InitialSigningKeys' };
    responses = [];
    await handler({ RequestType: 'Create', ...cfn });
    expect(responses).toEqual([expect.objectContaining({ method: 'PUT', Status: 'SUCCESS', RequestId: 'r' })]);
    const first = (await parseKeySet(sm.valueAt(privateArn)))!;

    const token = sm.beginRotation(privateArn);
    for (const Step of STEPS) await handler({ Step, SecretId: privateArn, ClientRequestToken: token });
    expect(keyOf((await parseKeySet(sm.valueAt(privateArn)))!, 'current').kid).toBe(keyOf(first, 'next').kid);

    sm.failing.add('GetSecretValue');
    responses = [];
    await handler({ RequestType: 'Update', ...cfn, PhysicalResourceId: 'signing-key-set' });
    expect(responses).toEqual([expect.objectContaining({ Status: 'FAILED', PhysicalResourceId: 'signing-key-set' })]);
    responses = [];
    await handler({ RequestType: 'Delete', ...cfn, PhysicalResourceId: 'signing-key-set' });
    expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS' })]);
  });
});
