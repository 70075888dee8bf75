import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceUnavailableError } from '../../functions/core/errors';
import { TokenService } from '../../functions/core/tokens';
import { signingKeySource } from '../../functions/store/signing-key';

/**
 * The deployed key path against a stand-in Secrets Manager HTTP endpoint (AWS JSON protocol), reached
 * through the SDK's own AWS_ENDPOINT_URL_SECRETS_MANAGER setting: the real client, no mocked SDK.
 */
let server: Server;
let requests: { target?: string; secretId?: string }[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      requests.push({ target: req.headers['x-amz-target'] as string, secretId: JSON.parse(raw || '{}').SecretId });
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => (requests = []));

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:SigningKey-abc123';
const settings = { issuer: 'i', audience: 'a', accessTokenTtl: 900, refreshTokenTtl: 604800 };

describe('signing key from Secrets Manager', () => {
  test('is fetched once, on first use, and signs and verifies from then on', async () => {
    answer = { status: 200, body: { ARN, Name: 'SigningKey', SecretString: 'K'.repeat(64), VersionId: 'v1' } };
    const tokens = new TokenService(signingKeySource({ jwtSecretArn: ARN }), settings);
    expect(requests).toHaveLength(0);
    const token = await tokens.sign({
      type: 'access',
      sub: 'johndoe',
      sid: 'A'.repeat(22),
      jti: 'B'.repeat(22),
      issuedAt: Date.now(),
    });
    await tokens.verify(token, 'access');
    await tokens.verify(token, 'access');
    expect(requests).toEqual([{ target: 'secretsmanager.GetSecretValue', secretId: ARN }]);
    const sameKey = new TokenService(async () => new TextEncoder().encode('K'.repeat(64)), settings);
    expect((await sameKey.verify(token, 'access')).sub).toBe('johndoe');
  });

  test('an unreachable or failing Secrets Manager is a ServiceUnavailableError (503), retried later', async () => {
    answer = { status: 500, body: { __type: 'InternalServiceError', message: 'boom' } };
    const tokens = new TokenService(signingKeySource({ jwtSecretArn: ARN }), settings);
    await expect(
      tokens.sign({ type: 'access', sub: 'a', sid: 'A'.repeat(22), jti: 'B'.repeat(22), issuedAt: 0 }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
    answer = { status: 200, body: { ARN, SecretString: 'K'.repeat(64) } };
    await expect(
      tokens.sign({ type: 'access', sub: 'a', sid: 'A'.repeat(22), jti: 'B'.repeat(22), issuedAt: 0 }),
    ).resolves.toMatch(/^eyJ/);
  });

  test('a secret shorter than 32 characters is refused', async () => {
    answer = { status: 200, body: { ARN, SecretString: 'short' } };
    const tokens = new TokenService(signingKeySource({ jwtSecretArn: ARN }), settings);
    await expect(
      tokens.sign({ type: 'access', sub: 'a', sid: 'A'.repeat(22), jti: 'B'.repeat(22), issuedAt: 0 }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
