import { execFile } from 'node:child_process';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run users -- ...` (the same script, without npm) against a test table on the run's store,
 * at bcrypt cost 4; `stdin` is what the operator types or pipes (a password), `env` adds to the rest.
 */
export function runUsers(
  tableName: string,
  args: string[],
  { stdin = '', env = {} }: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/users.ts', ...args],
      {
        env: {
          ...process.env,
          TABLE_NAME: tableName,
          DYNAMODB_ENDPOINT: process.env.TEST_STORE_ENDPOINT,
          BCRYPT_COST: '4',
          ...env,
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}
