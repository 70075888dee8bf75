import type { KeySource } from '../core/tokens';

/**
 * The JWT signing key. Locally it is JWT_SECRET itself; deployed it is the Secrets Manager secret
 * named by JWT_SECRET_ARN, fetched on first use (the SDK is loaded only then).
 */
export function signingKeySource(config: { jwtSecret?: string; jwtSecretArn?: string }): KeySource {
  if (config.jwtSecret) {
    const raw = new TextEncoder().encode(config.jwtSecret);
    return async () => raw;
  }
  const secretId = config.jwtSecretArn!;
  return async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const client = new SecretsManagerClient({
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
    });
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!out.SecretString || out.SecretString.length < 32)
      throw new Error('signing secret is missing or shorter than 32 characters');
    return new TextEncoder().encode(out.SecretString);
  };
}
