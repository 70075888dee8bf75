import { randomUUID } from 'node:crypto';
import { KeyRotation, RotationError, type RotationStep } from '../core/key-rotation';
import { type CustomResourceEvent, respond } from '../http/cfn-response';
import { logger } from '../http/logger';
import { withTracing } from '../http/tracing';
import { keySetSecrets } from '../store/key-set-secrets';

/** What Secrets Manager sends a rotation function. */
interface RotationEvent {
  Step: RotationStep;
  SecretId: string;
  ClientRequestToken: string;
}

const PHYSICAL_ID = 'signing-key-set';
const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

const rotation = () => {
  const privateArn = process.env.SIGNING_KEYS_ARN;
  const publicArn = process.env.PUBLIC_KEYS_ARN;
  if (!privateArn || !publicArn) throw new Error('SIGNING_KEYS_ARN and PUBLIC_KEYS_ARN are required');
  return new KeyRotation(keySetSecrets(privateArn, publicArn));
};

/**
 * The custom resource: the first key set exists when the deployment finishes (rotation alone would be asynchronous).
 */
async function customResource(event: CustomResourceEvent): Promise<void> {
  try {
    if (event.RequestType === 'Delete') {
      // The secrets go (or stay, RETAIN) with the stack; there is nothing of ours to undo.
      return await respond(event, 'SUCCESS', 'nothing to delete', PHYSICAL_ID);
    }
    const { created, kids } = await rotation().initialize(randomUUID());
    logger.info('signing_keys_initialized', { created, kids });
    await respond(event, 'SUCCESS', created ? 'key set created' : 'key set present', PHYSICAL_ID);
  } catch (err) {
    // Our own messages only: an SDK's may echo request parameters.
    const { name, message } = err as Error;
    logger.error('signing_keys_failed', {
      errorName: name,
      ...(err instanceof RotationError ? { errorMessage: message } : {}),
    });
    await respond(event, 'FAILED', `${(err as Error).name}: see the function's log`, PHYSICAL_ID);
  }
}

/**
 * The signing keys' function: the deploy-time custom resource that makes the first key set, and the
 * Secrets Manager rotation function (createSecret, setSecret, testSecret, finishSecret) that
 * rotates it on schedule. Logs steps and key ids, never key material.
 */
export const handler = withTracing(signingKeys);

async function signingKeys(event: RotationEvent | CustomResourceEvent): Promise<void> {
  if ('RequestType' in event) return customResource(event);
  if (!STEPS.includes(event.Step)) throw new Error(`unknown rotation step ${String(event.Step)}`);
  await rotation().step(event.Step, event.ClientRequestToken);
  logger.info('signing_keys_rotation_step', { step: event.Step, version: event.ClientRequestToken });
}
