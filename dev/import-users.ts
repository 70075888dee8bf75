import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { importedHashProblem, schemeHeaderOf } from '../functions/core/password-schemes';
import { newId } from '../functions/core/tokens';
import { newUsernameProblem, usernameSkeleton } from '../functions/core/username-skeleton';
import { canonicalUsername, USERNAME_PROBLEMS } from '../functions/core/usernames';
import { nameKey, userKey } from '../functions/store/schema';

/**
 * `npm run users -- import FILE` (docs/importing-users.md): users from a JSON-lines file, with the
 * password hashes of the system they come from. Each line is checked whole before anything is
 * written; a refused line is reported with its number and reason and writes nothing. Users go in 12
 * at a time (a user and its look-alike claim: 24 items of a BatchWriteItem), unprocessed items sent
 * again until written. Existing users are skipped (or with `update`, replaced), so a run stopped
 * half-way is resumed by running it again.
 */

const FIELDS = new Set(['username', 'email', 'full_name', 'email_verified', 'disabled', 'password_hash']);
const PER_BATCH = 12;

export interface ImportOptions {
  update: boolean;
  dryRun: boolean;
  /** Called after each batch with the lines read so far. */
  progress?: (linesRead: number) => void;
  now?: () => number;
}

export interface ImportReport {
  imported: number;
  updated: number;
  skipped: number;
  refused: { line: number; reason: string }[];
  /** Imported users with no password hash: they set one through a reset link. */
  withoutPassword: { username: string; email?: string; credentialVersion: string }[];
  lines: number;
  /** Users written with another system's hash, by its scheme's header (core/password-schemes.ts). */
  schemes: Record<string, number>;
}

type Item = Record<string, unknown>;
interface Candidate {
  line: number;
  username: string;
  item: Item;
}

/** One line of JSON as a user item, or why not. */
export function parseLine(text: string, now: number): { username: string; item: Item } | { reason: string } {
  const read = jsonRow(text);
  return 'reason' in read ? read : parseRow(read.row, now);
}

function jsonRow(text: string): { row: Record<string, unknown> } | { reason: string } {
  try {
    const row = JSON.parse(text);
    if (row && typeof row === 'object' && !Array.isArray(row)) return { row };
  } catch {
    /* below */
  }
  return { reason: 'not a JSON object' };
}

/** One row (a JSON line's object, or a CSV record) as a user item, or why not. */
export function parseRow(
  row: Record<string, unknown>,
  now: number,
): { username: string; item: Item } | { reason: string } {
  const unknown = Object.keys(row).filter((k) => !FIELDS.has(k));
  if (unknown.length) return { reason: `unknown field ${unknown.map((k) => `"${k}"`).join(', ')}` };
  if (typeof row.username !== 'string') return { reason: 'username is missing' };
  const canonical = canonicalUsername(row.username);
  if ('problem' in canonical) return { reason: `username: ${USERNAME_PROBLEMS[canonical.problem]}` };
  const refused = newUsernameProblem(canonical.username);
  if (refused) return { reason: `username: ${refused}` };
  const text_ = (name: string, max: number) => {
    const v = row[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > max || /[\p{Cc}]/u.test(v)) return null;
    return v;
  };
  const email = text_('email', 254);
  if (email === null || (email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)))
    return { reason: 'email is not an address' };
  const fullName = text_('full_name', 200);
  if (fullName === null) return { reason: 'full_name must be 1 to 200 characters without control characters' };
  for (const flag of ['email_verified', 'disabled'])
    if (row[flag] !== undefined && typeof row[flag] !== 'boolean') return { reason: `${flag} must be true or false` };
  const hash = row.password_hash;
  if (hash !== undefined && hash !== null && (typeof hash !== 'string' || hash.length > 1024))
    return { reason: 'password_hash must be a string' };
  const problem = typeof hash === 'string' ? importedHashProblem(hash) : undefined;
  if (problem) return { reason: `password_hash: ${problem}` };
  return {
    username: canonical.username,
    item: {
      ...userKey(canonical.username),
      username: canonical.username,
      // No hash: no password logs in (no scheme reads an empty hash) until a reset sets one.
      passwordHash: typeof hash === 'string' ? hash : '',
      ...(email ? { email } : {}),
      ...(fullName ? { fullName } : {}),
      // Only an explicit false marks an address unverified (absent reads as verified).
      ...(row.email_verified === false ? { emailVerified: false } : {}),
      disabled: row.disabled === true,
      createdAt: now,
      credentialVersion: newId(),
    },
  };
}

/** Reads FILE and writes its users to `tableName`; the report says what happened to every line. */
export async function importUsers(
  file: string,
  db: DynamoDBDocumentClient,
  tableName: string,
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = {
    imported: 0,
    updated: 0,
    skipped: 0,
    refused: [],
    withoutPassword: [],
    lines: 0,
    schemes: {},
  };
  const now = options.now ?? Date.now;
  /** Names (and their look-alike skeletons) seen earlier in the file: a second one is refused. */
  const seen = new Map<string, number>();
  let batch: Candidate[] = [];
  const flush = async () => {
    if (batch.length) await writeBatch(batch, db, tableName, options, report);
    batch = [];
    options.progress?.(report.lines);
  };
  for await (const read of readRows(file)) {
    const line = read.line;
    report.lines = Math.max(report.lines, line);
    const parsed = 'reason' in read ? read : parseRow(read.row, now());
    if ('reason' in parsed) {
      report.refused.push({ line, reason: parsed.reason });
      continue;
    }
    const skeleton = usernameSkeleton(parsed.username);
    const earlier = seen.get(parsed.username) ?? seen.get(`skeleton:${skeleton}`);
    if (earlier !== undefined) {
      report.refused.push({
        line,
        reason: `"${parsed.username}" is the same name as, or looks like, line ${earlier}'s`,
      });
      continue;
    }
    seen.set(parsed.username, line).set(`skeleton:${skeleton}`, line);
    batch.push({ line, username: parsed.username, item: parsed.item });
    if (batch.length === PER_BATCH) await flush();
  }
  await flush();
  return report;
}

/** A row of the file, with its line number, or why that line is no row. */
export type ReadRow = { line: number; row: Record<string, unknown> } | { line: number; reason: string };

/**
 * The rows of a file, a line at a time: JSON lines, or CSV when the name ends in `.csv` (a header
 * row of the field names; quoted as RFC 4180 has it, which a hash's commas need; an empty cell is an
 * absent field; `true` and `false` are the flags' values). Blank lines are skipped.
 */
export async function* readRows(file: string): AsyncGenerator<ReadRow> {
  if (!file.toLowerCase().endsWith('.csv')) {
    let line = 0;
    for await (const raw of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      line++;
      // A byte-order mark (Windows tools and spreadsheets write one) is no part of the first line's JSON.
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() !== '') yield { line, ...jsonRow(text) };
    }
    return;
  }
  const broken: ReadRow[] = [];
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // A row CSV cannot read (an unclosed quote, a wrong number of cells) is reported, not imported.
      on_skip: (err) => void broken.push({ line: Number(err?.lines ?? 0), reason: `not a CSV row: ${err?.message}` }),
      columns: (header: string[]) => {
        const unknown = header.filter((h) => !FIELDS.has(h));
        if (unknown.length || !header.includes('username'))
          throw new Error(`the CSV header must name the fields (username first), got ${JSON.stringify(header)}`);
        return header;
      },
    }),
  );
  for await (const { info, record } of parser as AsyncIterable<{
    info: { lines: number };
    record: Record<string, string>;
  }>) {
    yield* broken.splice(0);
    yield { line: info.lines, row: fromCsv(record) };
  }
  yield* broken.splice(0);
}

/** A CSV record as a JSON line's object: empty cells absent, `true` and `false` the flags' values. */
function fromCsv(record: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(record)) {
    if (value === '') continue;
    const flag = field === 'email_verified' || field === 'disabled';
    row[field] = flag && (value === 'true' || value === 'false') ? value === 'true' : value;
  }
  return row;
}

/**
 * One batch: the users and look-alike claims already there read (strongly consistent), then each
 * user written with its claim, or skipped, or refused (a look-alike of another user's name).
 */
async function writeBatch(
  batch: Candidate[],
  db: DynamoDBDocumentClient,
  tableName: string,
  options: ImportOptions,
  report: ImportReport,
): Promise<void> {
  const names = batch.map((c) => nameKey(usernameSkeleton(c.username)));
  const existing = await getAll(db, tableName, [...batch.map((c) => userKey(c.username)), ...names]);
  const writes: Item[] = [];
  for (const c of batch) {
    const there = existing.find((i) => i.pk === `USER#${c.username}`);
    const holder = existing.find((i) => i.pk === nameKey(usernameSkeleton(c.username)).pk)?.username;
    if (holder !== undefined && holder !== c.username) {
      report.refused.push({ line: c.line, reason: `"${c.username}" looks like the existing user "${holder}"` });
      continue;
    }
    if (there && !options.update) {
      report.skipped++;
      continue;
    }
    // An update keeps when the user was created; its new credential version ends the user's sessions.
    const item = there ? { ...c.item, createdAt: there.createdAt } : c.item;
    writes.push(item, { ...nameKey(usernameSkeleton(c.username)), username: c.username });
    if (there) report.updated++;
    else report.imported++;
    const header = schemeHeaderOf(String(item.passwordHash));
    if (header) report.schemes[header] = (report.schemes[header] ?? 0) + 1;
    if (item.passwordHash === '')
      report.withoutPassword.push({
        username: c.username,
        credentialVersion: String(item.credentialVersion),
        ...(item.email ? { email: String(item.email) } : {}),
      });
  }
  if (!options.dryRun && writes.length) await putAll(db, tableName, writes);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getAll(db: DynamoDBDocumentClient, tableName: string, keys: Item[]): Promise<Item[]> {
  const found: Item[] = [];
  let pending = keys;
  for (let attempt = 0; pending.length; attempt++) {
    if (attempt > 8) throw new Error('the store left keys unprocessed 8 times: try again later');
    if (attempt) await pause(50 * 2 ** attempt);
    const out = await db.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
    );
    found.push(...(out.Responses?.[tableName] ?? []));
    pending = (out.UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined) ?? [];
  }
  return found;
}

/** BatchWriteItem, its unprocessed items sent again (with backoff) until every one is written. */
async function putAll(db: DynamoDBDocumentClient, tableName: string, items: Item[]): Promise<void> {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; pending.length; attempt++) {
    if (attempt > 8) throw new Error('the store left items unwritten 8 times: run the import again to resume');
    if (attempt) await pause(50 * 2 ** attempt);
    const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = (out.UnprocessedItems?.[tableName] as typeof pending | undefined) ?? [];
  }
}
