/**
 * What `sam local invoke` gives a function (docs/local-development.md): the variables its template
 * declares, as SAM resolves them, overridden by `--env-vars` for the variables declared. Shared by
 * `npm run sam:env` and by the test that runs each event file in exactly that environment.
 */
import { randomBytes } from 'node:crypto';
import { newKeySet } from '../functions/core/keys';

/** The variables holding a secret's ARN. SAM resolves a `Ref` to the logical id, a non-empty string that is no ARN. */
export const KEY_ARN_VARIABLES = ['JWT_SECRET_ARN', 'SIGNING_KEYS_ARN', 'PUBLIC_KEYS_ARN', 'MFA_KEY_ARN'] as const;
/**
 * Every variable the template fills from another resource (a `Ref`), blanked for SAM: the key ARNs,
 * the mail queue's URL (blank, a mail job runs in the function's process instead, with no sender:
 * it fails in the log, the answer is the contract's) and the event bus's name (blank, events go
 * nowhere: no PutEvents to an AWS a laptop may not reach). The SAM-environment test checks this
 * list against the template, so a new one cannot be forgotten.
 */
export const RESOURCE_VARIABLES = [...KEY_ARN_VARIABLES, 'MAIL_QUEUE_URL', 'EVENT_BUS'] as const;

/** The `Parameters` of .sam-local/env.json: local keys, the local store, and every key ARN blanked. */
export async function samParameters({
  tableName,
  storeEndpoint,
  issuer,
}: {
  tableName: string;
  storeEndpoint: string;
  issuer: string;
}): Promise<Record<string, string>> {
  return {
    TABLE_NAME: tableName,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    SIGNING_KEYS: JSON.stringify(await newKeySet(Date.now())),
    MFA_KEY: randomBytes(32).toString('base64url'),
    // SAM blanks the template's intrinsic values (the API endpoint among them): the issuer is set here.
    TOKEN_ISSUER: issuer,
    DYNAMODB_ENDPOINT: storeEndpoint,
    AWS_SAM_LOCAL: 'true',
    // Blank, so no function reaches for Secrets Manager (or SQS) with a logical id as the name.
    ...Object.fromEntries(RESOURCE_VARIABLES.map((name) => [name, ''])),
  };
}

/**
 * One template value as SAM resolves it locally (aws/aws-sam-cli #7413, #1604): a string as is, a
 * `Ref` to a resource as its logical id, any other intrinsic (GetAtt, Join, ...) as an empty string.
 */
export function samValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && 'Ref' in value) return String((value as { Ref: string }).Ref);
  return '';
}

/** A function's environment under `sam local invoke --env-vars`: declared variables only, then the overrides. */
export function samEnvironment(
  declared: Record<string, unknown>,
  parameters: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(declared)) env[name] = parameters[name] ?? samValue(value);
  return env;
}
