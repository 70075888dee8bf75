import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bcryptCostFrom } from '../functions/core/config';
import { newOneTimeToken } from '../functions/core/one-time-tokens';
import { dummyHashFor, verifyImported } from '../functions/core/password-schemes';
import { PasswordChecker } from '../functions/core/passwords';
import { createDocumentClient } from '../functions/store/client';
import { DynamoAccountStore } from '../functions/store/account-store';
import { SqsMailQueue } from '../functions/store/mail-queue';
import { type ImportReport, importUsers, readRows } from './import-users';

type Env = Record<string, string | undefined>;
export interface ImportFlags {
  update?: boolean;
  'dry-run'?: boolean;
  'no-email'?: boolean;
  'link-hours'?: string;
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** A mistake of the operator's (the users CLI exits 2 with it). */
export class ImportUsageError extends Error {}

/** The reset page's URL: PASSWORD_RESET_URL, else cdk.json's `passwordResetUrl` context (as deployed). */
function resetPage(env: Env): string | undefined {
  if (env.PASSWORD_RESET_URL) return env.PASSWORD_RESET_URL;
  try {
    return JSON.parse(readFileSync(join(process.cwd(), 'cdk.json'), 'utf8')).context?.passwordResetUrl;
  } catch {
    return undefined;
  }
}

/** Whether any line of the file has no password hash (its user then needs a reset link): read a line at a time. */
async function hasUsersWithoutHash(file: string): Promise<boolean> {
  for await (const read of readRows(file)) if ('row' in read && typeof read.row.password_hash !== 'string') return true;
  return false;
}

/**
 * `npm run users -- import FILE [--update] [--dry-run] [--no-email] [--link-hours H]`: see
 * docs/importing-users.md. Returns the exit code: 0 when every line was imported or skipped, 1 when
 * some were refused (each printed with its line number and reason).
 */
export async function runImport(file: string | undefined, flags: ImportFlags, env: Env, tableName: string) {
  if (!file) throw new ImportUsageError('import needs a file: npm run users -- import users.jsonl');
  const noEmail = flags['no-email'] === true;
  const hours = Number(flags['link-hours'] ?? 24);
  if (!Number.isInteger(hours) || hours < 1 || hours > 168) throw new ImportUsageError('--link-hours is 1 to 168');
  const needsLinks = !flags['dry-run'] && (await hasUsersWithoutHash(file));
  const page = resetPage(env);
  if (needsLinks && noEmail && !page)
    throw new ImportUsageError('users without password_hash get reset links: set PASSWORD_RESET_URL');
  if (needsLinks && !noEmail && !env.MAIL_QUEUE_URL)
    throw new ImportUsageError(
      'users without password_hash are emailed a reset link through MAIL_QUEUE_URL (the stack output ' +
        'MailQueueUrl): set it, or use --no-email to write the links to a file',
    );
  const db = createDocumentClient(env);
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  const report = await importUsers(file, db, tableName, {
    update: flags.update === true,
    dryRun: flags['dry-run'] === true,
    progress: tty
      ? (n) => process.stderr.write(`\r${n} lines read, ${Math.round((Date.now() - started) / 1000)} s`)
      : undefined,
  });
  if (tty) process.stderr.write('\n');
  for (const r of report.refused) console.log(`line ${r.line}: ${r.reason}`);
  const links = needsLinks ? await resetLinks(report, { db, tableName, env, noEmail, page, hours, file }) : '';
  const verb = flags['dry-run'] ? 'would import' : 'imported';
  console.log(
    `${verb} ${report.imported}, updated ${report.updated}, skipped ${report.skipped} (already there), ` +
      `refused ${report.refused.length}, of ${report.lines} lines in ${seconds(started)} s${links}`,
  );
  if (Object.keys(report.schemes).length > 0) console.log(await schemeTimings(report.schemes, bcryptCostFrom(env)));
  return report.refused.length > 0 ? 1 : 0;
}

/**
 * The imported schemes and what one check of each costs here, beside the bcrypt dummy an unknown
 * name gets, and the setting that makes an unknown name cost what the slowest does
 * (docs/importing-users.md "Timing"). Each scheme is timed once, on a hash of its own that nothing matches.
 */
async function schemeTimings(schemes: Record<string, number>, cost: number): Promise<string> {
  const timed = async (check: () => Promise<unknown>) => {
    const start = performance.now();
    await check();
    return performance.now() - start;
  };
  const rows: [string, number, number][] = [];
  for (const [header, users] of Object.entries(schemes)) {
    const dummy = dummyHashFor(header);
    if (dummy) rows.push([header, users, await timed(() => verifyImported('unusable', dummy))]);
  }
  rows.sort((a, b) => b[2] - a[2]);
  const bcrypt = await timed(() => new PasswordChecker(cost).check('unusable', undefined));
  const lines = rows.map(([h, n, ms]) => `  ${h}  ${n} users, one check ${Math.round(ms)} ms`);
  const [slowest, , slowestMs] = rows[0];
  const advice =
    slowestMs > bcrypt
      ? `an unknown username costs the bcrypt dummy (${Math.round(bcrypt)} ms at cost ${cost}); to make it cost what ` +
        `${slowest} does until these users have logged in, deploy with -c unknownUserHash='${slowest}'`
      : `an unknown username costs the bcrypt dummy (${Math.round(bcrypt)} ms at cost ${cost}), at least what these do`;
  return ["other systems' hashes, until each user logs in once (then bcrypt):", ...lines, advice].join('\n');
}

/** A reset link for each imported user without a password: emailed (the mail worker), or written to a file. */
async function resetLinks(
  report: ImportReport,
  o: {
    db: ReturnType<typeof createDocumentClient>;
    tableName: string;
    env: Env;
    noEmail: boolean;
    page?: string;
    hours: number;
    file: string;
  },
): Promise<string> {
  if (report.withoutPassword.length === 0) return '';
  if (!o.noEmail) {
    const queue = new SqsMailQueue(o.env.MAIL_QUEUE_URL!);
    const withEmail = report.withoutPassword.filter((u) => u.email);
    for (const u of withEmail)
      await queue.enqueue({ kind: 'password_reset', username: u.username, requestedAt: Date.now() });
    const without = report.withoutPassword.length - withEmail.length;
    return `; ${withEmail.length} reset links emailed, ${without} without an address`;
  }
  const store = new DynamoAccountStore(o.db, o.tableName);
  const rows: string[] = [];
  for (const u of report.withoutPassword) {
    const { token, hash } = newOneTimeToken();
    await store.putOneTimeToken({
      hash,
      kind: 'password_reset',
      username: u.username,
      expiresAt: Date.now() + o.hours * 3_600_000,
      // The version the import wrote: a link dies if the user's credentials change before it is used.
      credentialVersion: u.credentialVersion,
    });
    rows.push(`${u.username}\t${u.email ?? ''}\t${o.page}?token=${token}`);
  }
  const out = `${o.file}.reset-links.tsv`;
  writeFileSync(out, `${rows.join('\n')}\n`, { mode: 0o600 });
  return `; ${rows.length} reset links (valid ${o.hours} h) written to ${out}`;
}
