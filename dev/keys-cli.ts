import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KeyRotation } from '../functions/core/key-rotation';
import { keySetSecrets } from '../functions/store/key-set-secrets';

const USAGE = `usage: npm run keys -- replace --yes [--dev-server <url>]
       npm run keys -- rotate --dev-server <url>

  replace --yes       the emergency lever for a leaked signing key (docs/operations.md): three fresh
                      access-token keys in place of the whole set, the old ones unpublished at once.
                      Every access token signed before is refused from now on (clients refresh:
                      refresh tokens are not affected); warm functions sign with the new keys within
                      5 minutes, and their tokens until then are refused too.

  rotate              a scheduled rotation, now, on a running npm start (to test a resource server
                      against one): next becomes current, current previous, a fresh next; tokens
                      signed before keep verifying. Deployed, Secrets Manager runs the same code:
                      aws secretsmanager rotate-secret --secret-id <AccessTokenKeysArn>.

Target: SIGNING_KEYS_ARN and PUBLIC_KEYS_ARN (the stack's AccessTokenKeysArn and PublicKeysArn
        outputs) with AWS credentials and AWS_REGION: the keys are made on this machine and written
        to the two secrets;
        or --dev-server http://127.0.0.1:8000: the running npm start replaces its own keys.`;

/** A mistake of the operator's: exit code 2 and the message alone. */
export class KeysUsageError extends Error {}

type Env = Record<string, string | undefined>;

/**
 * `npm run keys -- replace --yes`: replaces the whole access-token key set of a deployed stack (its two
 * secrets, through the rotation's own code) or of a running dev server. Returns the exit code.
 */
export async function runKeysCli(argv: string[], env: Env = process.env): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { yes: { type: 'boolean' }, 'dev-server': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1 || !['replace', 'rotate'].includes(positionals[0])) throw new KeysUsageError(USAGE);
  if (positionals[0] === 'rotate') {
    if (!values['dev-server']) {
      throw new KeysUsageError(
        'rotate is for a running npm start (--dev-server <url>); a deployed stack rotates with ' +
          'aws secretsmanager rotate-secret --secret-id <AccessTokenKeysArn>',
      );
    }
    const { keys } = await rotateOnDevServer(values['dev-server']);
    console.log(`rotated the access-token key set: ${keys.map((k) => `${k.label} ${k.kid}`).join(', ')}`);
    return 0;
  }
  if (!values.yes) {
    throw new KeysUsageError('replace refuses every access token signed so far: add --yes to confirm');
  }
  const result = values['dev-server'] ? await replaceOnDevServer(values['dev-server']) : await replaceDeployed(env);
  console.log(`replaced the access-token key set: new kids ${result.kids.join(', ')}`);
  console.log(`withdrawn (no longer published, their tokens refused): ${result.withdrawn.join(', ') || 'none'}`);
  return 0;
}

async function replaceDeployed(env: Env) {
  const privateArn = env.SIGNING_KEYS_ARN;
  const publicArn = env.PUBLIC_KEYS_ARN;
  if (!privateArn || !publicArn) {
    throw new KeysUsageError(
      'set SIGNING_KEYS_ARN and PUBLIC_KEYS_ARN (the AccessTokenKeysArn and PublicKeysArn outputs), ' +
        'or --dev-server <url> for a running npm start',
    );
  }
  return new KeyRotation(keySetSecrets(privateArn, publicArn)).replace(randomUUID());
}

async function onDevServer(url: string, action: 'replace' | 'rotate'): Promise<unknown> {
  let reply: Response;
  try {
    reply = await fetch(new URL(`/_dev/signing-keys/${action}`, url), { method: 'POST' });
  } catch {
    throw new KeysUsageError(`no dev server answers at ${url}: is npm start running there?`);
  }
  if (!reply.ok) throw new Error(`the dev server answered ${reply.status}`);
  return reply.json();
}

const replaceOnDevServer = async (url: string) =>
  (await onDevServer(url, 'replace')) as { kids: string[]; withdrawn: string[] };
const rotateOnDevServer = async (url: string) =>
  (await onDevServer(url, 'rotate')) as { keys: { kid: string; label: string }[] };
