/**
 * The Lambda client's Invoke alone: imported by a dynamic import() of this module, so that only the
 * login functions carry it, and only it (a dynamic import of the package would keep every command).
 */
export { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
