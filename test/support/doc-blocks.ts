import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The documentation's shell blocks, as the tests read them. A ```sh block is preceded by a marker
 * line saying whether a test runs it against `npm start` (`<!-- doc-test: run [VAR=value ...] -->`)
 * or why none can (`<!-- doc-test: skip <reason> -->`). In a run block, `# ...` lines after a
 * command show its output: JSON, where a string `"..."` stands for any string, or plain text.
 */
export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  marker?: { kind: 'run'; env: Record<string, string> } | { kind: 'skip'; reason: string };
}

/** README.md and every guide under docs/, as tracked (or new) in the repository. */
export function docFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'README.md', 'docs'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f.endsWith('.md'));
}

const MARKER = /^\s*<!-- doc-test: (run|skip)\b(.*?)-->\s*$/;

/** The fenced code blocks of a markdown file, with the marker on the line before each, if any. */
export function blocksOf(file: string): DocBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^(\s*)```(\w*)\s*$/);
    if (!open) continue;
    const indent = open[1];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j].match(/^\s*```\s*$/); j++) body.push(lines[j].slice(indent.length));
    const m = i > 0 ? lines[i - 1].match(MARKER) : null;
    let marker: DocBlock['marker'];
    if (m?.[1] === 'skip') marker = { kind: 'skip', reason: m[2].trim() };
    if (m?.[1] === 'run') {
      const env = Object.fromEntries(
        m[2]
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map((kv) => kv.split('=') as [string, string]),
      );
      marker = { kind: 'run', env };
    }
    blocks.push({ file, line: i + 1, lang: open[2], text: body.join('\n'), marker });
    i = j;
  }
  return blocks;
}

/** One command of a run block and the output the page shows under it (none: it prints nothing). */
export interface DocCommand {
  line: string;
  shown: string[];
}

/** The commands of a run block (a line ending in `\` continues on the next), each with its shown output. */
export function commandsOf(text: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    if (raw.startsWith('#') && !pending) {
      if (commands.length === 0) continue; // a comment before any command
      commands[commands.length - 1].shown.push(raw.replace(/^# ?/, ''));
      continue;
    }
    const part = pending ? raw.trimStart() : raw;
    if (raw.endsWith('\\')) {
      pending += `${part.slice(0, -1).trimEnd()} `;
      continue;
    }
    commands.push({ line: pending + part, shown: [] });
    pending = '';
  }
  return commands;
}

/** Whether `actual` is what `shown` shows: a shown string "..." matches any string, objects key for key. */
export function matchesShown(shown: unknown, actual: unknown): boolean {
  if (shown === '...') return typeof actual === 'string';
  if (Array.isArray(shown))
    return Array.isArray(actual) && shown.length === actual.length && shown.every((s, i) => matchesShown(s, actual[i]));
  if (shown && typeof shown === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(shown);
    return (
      keys.length === Object.keys(actual).length &&
      keys.every((k) => matchesShown((shown as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k]))
    );
  }
  return shown === actual;
}

/** The GitHub anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export const slugOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
