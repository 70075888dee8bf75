import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bcryptCostFrom } from '../functions/core/config';
import { DomainError } from '../functions/core/errors';
import { describeCliFailure } from './cli-failure';
import { passwordPolicyProblem } from '../functions/core/password-policy';
import { hashPassword } from '../functions/core/passwords';
import { UserAdmin } from '../functions/core/users';
import { createDocumentClient } from '../functions/store/client';
import { DynamoStore } from '../functions/store/dynamo-store';
import { DynamoClientStore } from '../functions/store/client-store';
import { canonicalUsername } from '../functions/core/usernames';
import { readPassword } from './read-password';
import { ImportUsageError, runImport } from './import-users-cli';

const USAGE = `usage: npm run users -- <command> [options]

  add <username> [--email E] [--full-name N] [--disabled] [--force]
                     password from a no-echo prompt, or the first line of stdin
                     (--force replaces an existing user's password and ends their sessions;
                      email, full name and disabled are kept unless given)
  passwd <username>   set a new password (policy applied; prompt or stdin as for add)
                     and end every session of the user
  verify-email <username>
                     mark the user's email address verified (sign-up with verification)
  disable <username>  refuse logins and end every session of the user
  enable <username>   allow logins again (old sessions stay ended)
  mfa-reset <username> [--passkeys]
                     remove TOTP, a pending setup and the recovery codes (with --passkeys, every
                     passkey too), and end every session (for a lost device and lost codes: confirm
                     who is asking out of band first; the password stays; docs/mfa.md)
  remove <username>   delete the user and their passkeys (their sessions end with them)
  list                usernames, names, emails and status (never hashes)
  end-all-sessions --yes
                     the emergency lever: end every session of every user at once
                     (docs/operations.md); everyone logs in again
  end-all-sessions --undo --yes
                     take the lever's last pull back: the sessions it ended live again
  import <file.jsonl> [--update] [--dry-run] [--no-email] [--link-hours H]
                     users from another system, one JSON object a line, with their password hashes
                     (bcrypt, argon2, scrypt, PBKDF2; docs/importing-users.md); existing users are
                     skipped (--update replaces them); users without a hash get a reset link, emailed
                     through MAIL_QUEUE_URL or with --no-email written to <file>.reset-links.tsv
  migrate-usernames   rewrite usernames stored before canonical forms (trimmed, NFKC, lower case)
                      and claim each name's look-alike skeleton; collisions, refused names and
                      look-alike pairs are reported, never merged

Hash cost: BCRYPT_COST, else the bcryptCost context of cdk.json (as deployed), else 10.

Target: DYNAMODB_ENDPOINT=http://127.0.0.1:8001 (the dev server's store, table auth-local)
        or TABLE_NAME=<deployed table> with AWS credentials and AWS_REGION.`;

/** A mistake of the operator's: exit code 2 and the message alone. */
export class UsageError extends Error {}

type Env = Record<string, string | undefined>;

/**
 * The bcrypt cost the deployed functions use: BCRYPT_COST when set, else the `bcryptCost` context of
 * cdk.json (what `npx cdk deploy` gives the functions), else the same default (10). A cost passed
 * only as `-c bcryptCost=...` on the cdk command line cannot be seen here: keep it in cdk.json.
 */
export function cliBcryptCost(env: Env, cdkJson = join(process.cwd(), 'cdk.json')): number {
  if (env.BCRYPT_COST) return bcryptCostFrom(env);
  let context: { bcryptCost?: unknown } | undefined;
  try {
    context = JSON.parse(readFileSync(cdkJson, 'utf8')).context;
  } catch {
    context = undefined; // no cdk.json here: the default, as a stack without the context would use
  }
  const fromContext = context?.bcryptCost === undefined ? undefined : String(context.bcryptCost);
  return bcryptCostFrom({ BCRYPT_COST: fromContext });
}

/** The admin service on the table the environment names; the hash cost is the one the functions use. */
function userAdmin(env: Env): UserAdmin {
  const tableName = env.TABLE_NAME || (env.DYNAMODB_ENDPOINT ? 'auth-local' : undefined);
  if (!tableName) throw new UsageError('set TABLE_NAME (deployed table) or DYNAMODB_ENDPOINT (local store)');
  const cost = cliBcryptCost(env);
  const store = new DynamoStore(createDocumentClient(env), tableName);
  return new UserAdmin(store, { problem: passwordPolicyProblem, hash: (password) => hashPassword(password, cost) });
}

/** A client allowed client_credentials has tokens whose `sub` is its id: no user may take it (RFC 9700 §4.15). */
async function refuseMachineClientId(env: Env, name: string | undefined): Promise<void> {
  const tableName = env.TABLE_NAME || 'auth-local';
  const canonical = name === undefined ? undefined : canonicalUsername(name);
  if (!canonical || 'problem' in canonical) return; // the admin service refuses it, saying why
  const client = await new DynamoClientStore(createDocumentClient(env), tableName).getClient(canonical.username);
  if (client?.grantTypes.includes('client_credentials'))
    throw new UsageError(`"${canonical.username}" is the id of a client with client_credentials: choose another name`);
}

const ended = (n: number) => (n ? ` (${n} session${n === 1 ? '' : 's'} ended)` : '');

/**
 * `npm run users -- <command>`: user admin on the dev server's store (DYNAMODB_ENDPOINT) or a
 * deployed table (TABLE_NAME with the usual AWS credentials and region). Passwords are read from a
 * no-echo prompt or stdin, never from argv (argv shows up in `ps` and shell history). Returns the
 * exit code; prints what it did.
 */
export async function runUsersCli(argv: string[], env: Env = process.env): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      'full-name': { type: 'string' },
      disabled: { type: 'boolean' },
      force: { type: 'boolean' },
      yes: { type: 'boolean' },
      undo: { type: 'boolean' },
      passkeys: { type: 'boolean' },
      update: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'no-email': { type: 'boolean' },
      'link-hours': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, name, ...extra] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected arguments: ${extra.join(' ')} (passwords are never taken from the command line)`);
  }

  switch (command) {
    case 'add': {
      const admin = userAdmin(env);
      const overwrite = values.force === true;
      await refuseMachineClientId(env, name);
      // Asked before the prompt, so nobody types a password for nothing; add() checks again atomically.
      if (!overwrite && (await admin.exists(name))) {
        throw new UsageError(`user "${name}" exists; use --force to overwrite it`);
      }
      const password = await readPassword(`Password for ${name}: `);
      const user = {
        username: name,
        password,
        email: values.email,
        fullName: values['full-name'],
        disabled: values.disabled,
      };
      const { username, sessionsEnded } = await admin.add(user, { overwrite });
      console.log(`${overwrite ? 'saved' : 'added'} ${username}${ended(sessionsEnded)}`);
      return 0;
    }
    case 'passwd': {
      const admin = userAdmin(env);
      // Asked before the prompt, so nobody types a password for nothing.
      if (!(await admin.exists(name))) throw new UsageError(`no user "${name}"`);
      const password = await readPassword(`New password for ${name}: `);
      const { username, sessionsEnded } = await admin.setPassword(name, password);
      console.log(`password changed for ${username}${ended(sessionsEnded)}`);
      return 0;
    }
    case 'verify-email': {
      const { username } = await userAdmin(env).verifyEmail(name);
      console.log(`email verified for ${username}`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const { sessionsEnded } = await userAdmin(env).setDisabled(name, command === 'disable');
      console.log(`${command}d ${name}${ended(sessionsEnded)}`);
      return 0;
    }
    case 'mfa-reset': {
      const passkeys = values.passkeys === true;
      const { username, sessionsEnded, passkeysRemoved } = await userAdmin(env).resetSecondFactor(name, { passkeys });
      const also = passkeys ? ` and ${passkeysRemoved} passkey${passkeysRemoved === 1 ? '' : 's'}` : '';
      console.log(`second factor${also} removed for ${username}${ended(sessionsEnded)}; the password alone logs in`);
      return 0;
    }
    case 'remove': {
      await userAdmin(env).remove(name);
      console.log(`removed ${name}`);
      return 0;
    }
    case 'list': {
      const users = await userAdmin(env).list();
      for (const u of users) {
        const status = [u.disabled ? 'disabled' : 'active', u.emailVerified === false ? 'unverified' : ''];
        console.log([u.username, status.filter(Boolean).join(','), u.fullName ?? '', u.email ?? ''].join('\t'));
      }
      if (users.length === 0) console.log('(no users)');
      return 0;
    }
    case 'end-all-sessions': {
      if (name) throw new UsageError('end-all-sessions ends every session of every user: it takes no username');
      if (values.undo) {
        if (!values.yes) throw new UsageError('end-all-sessions --undo revives the sessions it ended: add --yes');
        const generation = await userAdmin(env).undoEndEverySession();
        console.log(`the lever is back at generation ${generation}: the sessions its last pull ended live again`);
        return 0;
      }
      if (!values.yes) throw new UsageError('end-all-sessions logs every user out: add --yes to confirm');
      const generation = await userAdmin(env).endEverySession();
      console.log(
        `ended every session: the lever stands at generation ${generation}; sessions born before it are refused ` +
          '(end-all-sessions --undo --yes takes it back)',
      );
      return 0;
    }
    case 'import': {
      const tableName = env.TABLE_NAME || (env.DYNAMODB_ENDPOINT ? 'auth-local' : undefined);
      if (!tableName) throw new UsageError('set TABLE_NAME (deployed table) or DYNAMODB_ENDPOINT (local store)');
      return runImport(name, values, env, tableName);
    }
    case 'migrate-usernames': {
      const report = await userAdmin(env).migrateUsernames();
      for (const m of report.migrated) console.log(`renamed ${JSON.stringify(m.from)} -> ${m.to}`);
      for (const c of report.collisions)
        console.log(`collision: ${JSON.stringify(c.from)} and ${c.to} are one name; left as is, resolve by hand`);
      for (const r of report.refused) console.log(`refused: ${JSON.stringify(r.from)}: ${r.reason}; left as is`);
      for (const l of report.lookalikes)
        console.log(`look-alike: ${JSON.stringify(l.username)} looks like ${JSON.stringify(l.like)}; both kept`);
      console.log(
        `${report.migrated.length} renamed, ${report.collisions.length} collisions, ` +
          `${report.refused.length} refused, ${report.lookalikes.length} look-alike`,
      );
      return report.collisions.length + report.refused.length > 0 ? 1 : 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

/** The line the CLI prints for a failure, and its exit code: 2 for the operator's mistakes, 1 otherwise. */
export const describeFailure = (err: Error) =>
  describeCliFailure(
    'users',
    err,
    (e) => e instanceof UsageError || e instanceof DomainError || e instanceof ImportUsageError,
  );
