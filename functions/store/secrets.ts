import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceUnavailableError } from '../core/errors';
import { traceClient } from '../http/tracing';

let client:
  | Promise<{ client: SecretsManagerClient; module: typeof import('@aws-sdk/client-secrets-manager') }>
  | undefined;

/** One Secrets Manager client per process, loaded on first use (functions that never need it never load the SDK). */
export function secretsManager() {
  client ??= import('@aws-sdk/client-secrets-manager').then((module) => ({
    module,
    client: traceClient(
      new module.SecretsManagerClient({
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
      }),
    ),
  }));
  return client;
}

/** The current value of a secret; any failure is a ServiceUnavailableError (503). */
export async function readSecret(secretId: string): Promise<string | undefined> {
  try {
    const { client, module } = await secretsManager();
    const out = await client.send(new module.GetSecretValueCommand({ SecretId: secretId }));
    return out.SecretString;
  } catch (cause) {
    throw new ServiceUnavailableError('secret', { cause });
  }
}
