import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Client,
  type ClientDeclaration,
  clientProblems,
  newClientSecret,
  type SecretHash,
} from '../functions/core/clients';
import { scopesFrom } from '../functions/core/config';
import { canonicalUsername } from '../functions/core/usernames';
import { createDocumentClient } from '../functions/store/client';
import { DynamoClientStore } from '../functions/store/client-store';
import { DynamoStore } from '../functions/store/dynamo-store';
import { describeCliFailure } from './cli-failure';

const USAGE = `usage: npm run clients -- <command> [options]

  add <id> --type public|confidential --name N [--redirect-uri U]... [--post-logout-redirect-uri U]...
      [--grant G]... [--scope S]... [--default-scope S]... [--first-party]
                     register a client; a confidential one's secret is printed once, never stored
                     (only its SHA-256 is). Grants: authorization_code, refresh_token,
                     client_credentials, password and our MFA and passkey URNs (the last three for
                     --first-party clients only). Scopes must be declared (SCOPES, else the scopes
                     context of cdk.json).
  list               ids, types, names, grants (never secrets)
  show <id>          one client as JSON (secret hashes left out)
  remove <id>        delete the client; its sessions' refreshes then fail
  rotate-secret <id> [--grace-hours H]
                     a new secret, printed once; the previous ones stay valid H hours (default 0)

Clients declared in the stack (context "clients") are the deploy's: this script refuses to change them.

Target: DYNAMODB_ENDPOINT=http://127.0.0.1:8001 (the dev server's store, table auth-local)
        or TABLE_NAME=<deployed table> with AWS credentials and AWS_REGION.`;

/** A mistake of the operator's: exit code 2 and the message alone. */
export class ClientsUsageError extends Error {}

type Env = Record<string, string | undefined>;

/** The declared scopes the functions use: SCOPES, else the `scopes` context of cdk.json, else the built-in ones. */
function declared(env: Env, cdkJson = join(process.cwd(), 'cdk.json')): Record<string, string> {
  if (env.SCOPES) return scopesFrom(env);
  let context: { scopes?: unknown } | undefined;
  try {
    context = JSON.parse(readFileSync(cdkJson, 'utf8')).context;
  } catch {
    context = undefined;
  }
  return scopesFrom({ SCOPES: context?.scopes === undefined ? undefined : JSON.stringify(context.scopes) });
}

function stores(env: Env) {
  const tableName = env.TABLE_NAME || (env.DYNAMODB_ENDPOINT ? 'auth-local' : undefined);
  if (!tableName) throw new ClientsUsageError('set TABLE_NAME (deployed table) or DYNAMODB_ENDPOINT (local store)');
  const db = createDocumentClient(env);
  return { clients: new DynamoClientStore(db, tableName), users: new DynamoStore(db, tableName) };
}

const list = (v: string[] | undefined) => v ?? [];
const withoutSecrets = ({ secretHashes, ...client }: Client) => ({ ...client, secrets: secretHashes?.length ?? 0 });

/** Finds a client this script may change: present, and not the stack's. */
async function ownClient(clients: DynamoClientStore, id: string | undefined): Promise<Client> {
  if (!id) throw new ClientsUsageError('name the client id');
  const client = await clients.getClient(id);
  if (!client) throw new ClientsUsageError(`no client "${id}"`);
  if (client.source === 'stack')
    throw new ClientsUsageError(`client "${id}" is declared in the stack (context "clients"): change it there`);
  return client;
}

/**
 * `npm run clients -- <command>`: the client registry on the dev server's store or a deployed table
 * (docs/authorization-server.md "Clients"). Secrets are made here and printed once. Returns the exit code.
 */
export async function runClientsCli(argv: string[], env: Env = process.env): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: 'string' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      grant: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      'default-scope': { type: 'string', multiple: true },
      'first-party': { type: 'boolean' },
      'grace-hours': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, id, ...extra] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new ClientsUsageError(`unexpected arguments: ${extra.join(' ')}`);
  const { clients, users } = stores(env);
  switch (command) {
    case 'add': {
      if (!id) throw new ClientsUsageError('name the client id');
      const declaration: ClientDeclaration = {
        id,
        type: values.type as Client['type'],
        name: values.name ?? '',
        redirectUris: list(values['redirect-uri']),
        postLogoutRedirectUris: list(values['post-logout-redirect-uri']),
        grantTypes: list(values.grant),
        scopes: list(values.scope),
        defaultScopes: list(values['default-scope']),
        firstParty: values['first-party'] === true,
      };
      const problems = clientProblems(declaration, declared(env));
      if (problems.length > 0) throw new ClientsUsageError(problems.join('; '));
      // A client's tokens and a user's would share `sub` (RFC 9700 §4.15).
      const canonical = canonicalUsername(id);
      if ('username' in canonical && (await users.getUser(canonical.username)))
        throw new ClientsUsageError(`"${id}" is a username: a client may not share it`);
      const now = Date.now();
      const made = declaration.type === 'confidential' ? newClientSecret() : undefined;
      const client: Client = {
        ...declaration,
        postLogoutRedirectUris: declaration.postLogoutRedirectUris ?? [],
        source: 'cli',
        createdAt: now,
        ...(made ? { secretHashes: [{ hash: made.hash, createdAt: now }] } : {}),
      };
      if (!(await clients.putClient(client, { overwrite: false })))
        throw new ClientsUsageError(`client "${id}" exists`);
      console.log(`added ${declaration.type} client ${id}`);
      if (made) console.log(`client secret (shown once, store it now): ${made.secret}`);
      return 0;
    }
    case 'list': {
      for (const c of await clients.listClients())
        console.log(`${c.id}\t${c.type}\t${c.source}\t${c.name}\t${c.grantTypes.join(' ')}`);
      return 0;
    }
    case 'show': {
      const client = id ? await clients.getClient(id) : undefined;
      if (!client) throw new ClientsUsageError(`no client "${id ?? ''}"`);
      console.log(JSON.stringify(withoutSecrets(client), null, 2));
      return 0;
    }
    case 'remove': {
      await ownClient(clients, id);
      await clients.deleteClient(id!);
      console.log(`removed ${id}`);
      return 0;
    }
    case 'rotate-secret': {
      const client = await ownClient(clients, id);
      if (client.type !== 'confidential') throw new ClientsUsageError(`client "${id}" is public: it has no secret`);
      const hours = Number(values['grace-hours'] ?? '0');
      if (!Number.isInteger(hours) || hours < 0 || hours > 720)
        throw new ClientsUsageError('--grace-hours must be a whole number from 0 to 720');
      const now = Date.now();
      const made = newClientSecret();
      const kept: SecretHash[] =
        hours === 0
          ? []
          : (client.secretHashes ?? [])
              .filter((h) => h.validUntil === undefined || h.validUntil > now)
              .map((h) => ({ ...h, validUntil: Math.min(h.validUntil ?? Infinity, now + hours * 3_600_000) }));
      const next = [{ hash: made.hash, createdAt: now }, ...kept];
      if (!(await clients.replaceSecrets(client.id, client.secretHashes, next)))
        throw new ClientsUsageError(`client "${id}" changed meanwhile: run the command again`);
      console.log(`new secret for ${id} (shown once, store it now): ${made.secret}`);
      console.log(hours ? `the previous secret stays valid ${hours} h` : 'the previous secret no longer works');
      return 0;
    }
    default:
      throw new ClientsUsageError(`unknown command "${command}"\n${USAGE}`);
  }
}

/** The message and exit code of a failure: 2 for the operator's mistakes, 1 for the store's. */
export const describeClientsFailure = (err: Error) =>
  describeCliFailure('clients', err, (e) => e instanceof ClientsUsageError);
