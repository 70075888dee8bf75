/**
 * `npm run smoke -- <Issuer> [--username NAME]`: checks a deployed (or local) API end to end.
 * The password is read from a no-echo prompt or stdin, never from the command line.
 */
import { parseArgs } from 'node:util';
import { readPassword } from './read-password';
import { runSmoke } from './smoke';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { username: { type: 'string' } } });
const [url] = positionals;
if (!url) {
  console.error('usage: npm run smoke -- <Issuer> [--username NAME]   (password from the prompt or stdin)');
  process.exit(2);
}
const username = values.username ?? 'johndoe';
const password = await readPassword(`Password for ${username}: `);
const checks = await runSmoke(url, username, password);
for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
const failed = checks.filter((c) => !c.ok).length;
console.log(failed ? `smoke failed: ${failed} of ${checks.length} checks` : `smoke ok: ${checks.length} checks`);
process.exit(failed ? 1 : 0);
