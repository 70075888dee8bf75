/**
 * One `sam local invoke`, without Docker: run by test/integration/sam-events.test.ts in a fresh process
 * whose environment is exactly what SAM would give the function (dev/sam-environment.ts). Imports the
 * handler, invokes it with the event file, prints the result as one JSON line.
 * Usage: node --import tsx test/support/sam-invoke.ts <entry file> <event file> <function name>
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toContext } from '../../dev/event';

const [entry, eventFile, name] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(resolve(entry)).href);
const result = await handler(JSON.parse(readFileSync(eventFile, 'utf8')), toContext(name));
process.stdout.write(`${JSON.stringify(result)}\n`);
