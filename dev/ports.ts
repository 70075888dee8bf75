import { ConfigError } from '../functions/core/errors';

/**
 * The TCP port in `env[name]`, or `fallback` when unset: a whole number from 0 (any free port) to
 * 65535, or a ConfigError naming the variable (Node's own RangeError names neither it nor the value).
 */
export function portFrom(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new ConfigError(`${name} must be a port number from 0 to 65535, got "${raw}"`);
  }
  return port;
}

/** `portFrom` for a command-line script: a bad value ends it with one line naming the variable. */
export function portOrExit(env: Record<string, string | undefined>, name: string, fallback: number): number {
  try {
    return portFrom(env, name, fallback);
  } catch (err) {
    console.error(`error: ${(err as Error).message.replace(/^Configuration error: /, '')}`);
    process.exit(1);
  }
}
