/**
 * `npm run users -- <command>`: user admin on the dev server's store (DYNAMODB_ENDPOINT) or a
 * deployed table (TABLE_NAME with the usual AWS credentials and region). Passwords are read from a
 * no-echo prompt or stdin, never from argv (argv shows up in `ps` and shell history).
 */
import { parseArgs } from 'node:util';
import { hashPassword, passwordProblem } from '../functions/core/passwords';
import { createDocumentClient } from '../functions/store/client';
import { DynamoStore } from '../functions/store/dynamo-store';
import { MAX_USERNAME_LENGTH } from '../functions/http/request';
import { readPassword } from './read-password';

const USAGE = `usage: npm run users -- <command> [options]

  add <username> [--email E] [--full-name N] [--disabled] [--force]
                     password from a no-echo prompt, or the first line of stdin
                     (--force overwrites an existing user and ends their sessions)
  disable <username>  refuse logins and end every session of the user
  enable <username>   allow logins again (old sessions stay ended)
  remove <username>   delete the user (their sessions end with them)
  list                usernames, names, emails and status (never hashes)

Target: DYNAMODB_ENDPOINT=http://127.0.0.1:8001 (the dev server's store, table auth-local)
        or TABLE_NAME=<deployed table> with AWS credentials and AWS_REGION.`;

class UsageError extends Error {}

/**
 * Deletes the user's session items found through the index. Not what ends them (sessionsValidAfter
 * or the user's removal already did, atomically); this only tidies the table.
 */
async function tidySessions(store: DynamoStore, username: string): Promise<number> {
  return (await store.deleteSessions(await store.listSessionIds(username))).length;
}

function target() {
  const tableName = process.env.TABLE_NAME || (process.env.DYNAMODB_ENDPOINT ? 'auth-local' : undefined);
  if (!tableName) throw new UsageError('set TABLE_NAME (deployed table) or DYNAMODB_ENDPOINT (local store)');
  return new DynamoStore(createDocumentClient(), tableName);
}

/** The cost for new hashes: BCRYPT_COST as the functions read it (4 to 15, default 10). */
function bcryptCost(): number {
  const cost = Number(process.env.BCRYPT_COST || 10);
  if (!Number.isInteger(cost) || cost < 4 || cost > 15) throw new UsageError('BCRYPT_COST must be a whole number from 4 to 15');
  return cost;
}

function checkUsername(username: string | undefined): string {
  if (!username) throw new UsageError('a username is required');
  if ([...username].length > MAX_USERNAME_LENGTH) throw new UsageError(`usernames are at most ${MAX_USERNAME_LENGTH} characters`);
  if (/\p{Cc}/u.test(username)) throw new UsageError('usernames must not contain control characters');
  return username;
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      'full-name': { type: 'string' },
      disabled: { type: 'boolean' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, name, ...extra] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')} (passwords are never taken from the command line)`);

  switch (command) {
    case 'add': {
      const username = checkUsername(name);
      const store = target();
      if (!values.force && (await store.getUser(username))) throw new UsageError(`user "${username}" exists; use --force to overwrite it`);
      const password = await readPassword(`Password for ${username}: `);
      const problem = passwordProblem(password);
      if (problem) throw new UsageError(problem);
      const now = Date.now();
      const created = await store.putUser(
        {
          username,
          passwordHash: await hashPassword(password, bcryptCost()),
          email: values.email,
          fullName: values['full-name'],
          disabled: values.disabled === true,
          createdAt: now,
          // Overwriting a user ends every session the old one had.
          sessionsValidAfter: now,
        },
        values.force === true,
      );
      if (!created) throw new UsageError(`user "${username}" exists; use --force to overwrite it`);
      const ended = values.force ? await tidySessions(store, username) : 0;
      console.log(`${values.force ? 'saved' : 'added'} ${username}${ended ? ` (${ended} session${ended === 1 ? '' : 's'} ended)` : ''}`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const username = checkUsername(name);
      const store = target();
      const ok = await store.setDisabled(username, command === 'disable', command === 'disable' ? Date.now() : undefined);
      if (!ok) throw new UsageError(`no user "${username}"`);
      const ended = command === 'disable' ? await tidySessions(store, username) : 0;
      console.log(`${command}d ${username}${ended ? ` (${ended} session${ended === 1 ? '' : 's'} ended)` : ''}`);
      return 0;
    }
    case 'remove': {
      const username = checkUsername(name);
      const store = target();
      if (!(await store.deleteUser(username))) throw new UsageError(`no user "${username}"`);
      await tidySessions(store, username);
      console.log(`removed ${username}`);
      return 0;
    }
    case 'list': {
      const users = await target().listUsers();
      for (const u of users) console.log([u.username, u.disabled ? 'disabled' : 'active', u.fullName ?? '', u.email ?? ''].join('\t'));
      if (users.length === 0) console.log('(no users)');
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const known = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`users: ${known ? err.message : `failed: ${err.name}${err.name === 'ServiceUnavailableError' ? ' (is the store reachable? check DYNAMODB_ENDPOINT / AWS credentials)' : `: ${err.message}`}`}`);
    process.exit(known ? 2 : 1);
  },
);
