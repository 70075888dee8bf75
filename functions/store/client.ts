import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceClient } from '../http/tracing';

type Env = Record<string, string | undefined>;

/** The region every local tool uses against DYNAMODB_ENDPOINT, whatever AWS_REGION says. */
export const LOCAL_REGION = 'us-east-1';

/**
 * Builds the DynamoDB client. Timeouts and retries are bounded so a store outage turns into a 503
 * well within the Lambda timeout instead of a hung invocation. With DYNAMODB_ENDPOINT (dynalite,
 * DynamoDB Local) fixed dummy credentials are used: those stores only check their shape, and
 * DynamoDB Local keeps one database per access key, so every local tool must use the same one.
 * The dev server, the users CLI, the benchmarks and the tests all build their clients here.
 */
export function createDynamoClient(env: Env = process.env): DynamoDBClient {
  const endpoint = env.DYNAMODB_ENDPOINT || undefined;
  return traceClient(
    new DynamoDBClient({
      ...(endpoint
        ? {
            endpoint,
            // Pinned: DynamoDB Local keeps one database per region (unless started with -sharedDb), and
            // `sam local invoke` cannot set AWS_REGION (Lambda reserves it), so a function would
            // otherwise look for the table in the region of the caller's AWS profile.
            region: LOCAL_REGION,
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {}),
      maxAttempts: Number(env.DYNAMODB_MAX_ATTEMPTS || 3),
      requestHandler: {
        connectionTimeout: Number(env.DYNAMODB_CONNECT_TIMEOUT_MS || 1000),
        requestTimeout: Number(env.DYNAMODB_REQUEST_TIMEOUT_MS || 2000),
        // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting:
        // a slow store would hang the function until Lambda kills it (found by the fault tests).
        throwOnRequestTimeout: true,
      },
    }),
  );
}

/** The document client over `client` (by default one built from `env`); undefined attributes are left out. */
export function createDocumentClient(env: Env = process.env, client = createDynamoClient(env)): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
