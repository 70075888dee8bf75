import { randomUUID } from 'node:crypto';
import { KeyRotation, RotationError, type RotationStep } from '../core/key-rotation';
import { logger } from '../http/logger';
import { withTracing } from '../http/tracing';
import { keySetSecrets } from '../store/key-set-secrets';

/** What Secrets Manager sends a rotation function. */
interface RotationEvent {
  Step: RotationStep;
  SecretId: string;
  ClientRequestToken: string;
}

/** What CloudFormation sends a custom resource's function (the fields we use). */
interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
}

const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

const rotation = () => {
  const privateArn = process.env.SIGNING_KEYS_ARN;
  const publicArn = process.env.PUBLIC_KEYS_ARN;
  if (!privateArn || !publicArn) throw new Error('SIGNING_KEYS_ARN and PUBLIC_KEYS_ARN are required');
  return new KeyRotation(keySetSecrets(privateArn, publicArn));
};

/**
 * Tells CloudFormation how the custom resource went (a PUT of the result to the pre-signed URL):
 * without it the stack would wait an hour for an answer.
 */
async function respond(event: CustomResourceEvent, status: 'SUCCESS' | 'FAILED', reason: string): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: event.PhysicalResourceId ?? 'signing-key-set',
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!res.ok) throw new Error(`CloudFormation response was refused: ${res.status}`);
}

/**
 * The custom resource: the first key set exists when the deployment finishes (rotation alone would be asynchronous).
 */
async function customResource(event: CustomResourceEvent): Promise<void> {
  try {
    if (event.RequestType === 'Delete') {
      // The secrets go (or stay, RETAIN) with the stack; there is nothing of ours to undo.
      return await respond(event, 'SUCCESS', 'nothing to delete');
    }
    const { created, kids } = await rotation().initialize(randomUUID());
    logger.info('signing_keys_initialized', { created, kids });
    await respond(event, 'SUCCESS', created ? 'key set created' : 'key set present');
  } catch (err) {
    // Our own messages only: an SDK's may echo request parameters.
    const { name, message } = err as Error;
    logger.error('signing_keys_failed', {
      errorName: name,
      ...(err instanceof RotationError ? { errorMessage: message } : {}),
    });
    await respond(event, 'FAILED', `${(err as Error).name}: see the function's log`);
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
