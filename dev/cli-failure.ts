import { ConfigError } from '../functions/core/errors';

/**
 * The line an operator CLI (`npm run users`, `npm run clients`) prints for a failure, and its exit
 * code: 2 for the operator's mistakes (the CLI's own refusals, a bad setting, bad arguments), 1 for
 * anything else, with a hint when the store could not be reached.
 */
export function describeCliFailure(
  name: string,
  err: Error,
  isMistake: (err: Error) => boolean,
): { message: string; code: number } {
  const known =
    isMistake(err) || err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  if (known) return { message: `${name}: ${err.message.replace(/^Configuration error: /, '')}`, code: 2 };
  const hint =
    err.name === 'ServiceUnavailableError'
      ? ' (is the store reachable? check DYNAMODB_ENDPOINT / AWS credentials)'
      : `: ${err.message}`;
  return { message: `${name}: failed: ${err.name}${hint}`, code: 1 };
}
