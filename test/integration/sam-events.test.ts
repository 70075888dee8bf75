import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpEvent } from '../../functions/http/types';
import { RESOURCE_VARIABLES, samEnvironment, samParameters } from '../../dev/sam-environment';
import { entryFile, fallbackHandler, otherFunctions, routes } from '../../functions/routes';
import { functionId } from '../../lib/route-function';
import { startApp, type TestApp } from '../support/app';
import { AS_COMMITTED } from '../support/event-answers';
import { ACCOUNTS, type Resources, synth } from '../support/synth';

// `sam local invoke <Function> -e test/events/<name>.json --env-vars .sam-local/env.json`, without
// Docker: each function runs in a fresh process with exactly the environment SAM would give it. SAM
// resolves a template's Ref to a resource as the logical id and any other intrinsic as '' (aws-sam-cli
// #7413, #1604), then applies env.json's Parameters to the variables the function declares. Under that,
// a verify-only function whose PUBLIC_KEYS_ARN was a logical id went to Secrets Manager and answered 503.

let app: TestApp;
let resources: Resources;
let parameters: Record<string, string>;
const answers: Record<string, Answer | Error> = {};

const NAMES = [...routes.map((r) => r.name), fallbackHandler];
const entryOf = (name: string) =>
  entryFile(routes.find((r) => r.name === name)?.handler ?? otherFunctions[name as keyof typeof otherFunctions]);

/** The function's declared variables, from the template synthesized for SAM (-c samLocal=true). */
function declared(name: string): Record<string, unknown> {
  const found = Object.entries(resources).filter(
    ([id, r]) => id.startsWith(functionId(name)) && r.Type === 'AWS::Lambda::Function',
  );
  expect(found).toHaveLength(1);
  return found[0][1].Properties.Environment.Variables;
}

type Answer = { statusCode: number; body?: string; cookies?: string[] };

function samInvoke(name: string, eventFile = join('test/events', `${name}.json`)): Promise<Answer> {
  const env = {
    ...samEnvironment(declared(name), parameters),
    // What SAM's container adds of its own, and where a stray AWS call would go: nowhere, at once.
    AWS_SAM_LOCAL: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'sam-local',
    AWS_SECRET_ACCESS_KEY: 'sam-local',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    PATH: process.env.PATH ?? '',
  };
  const args = ['--import', 'tsx', 'test/support/sam-invoke.ts', entryOf(name), eventFile, name];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { env, timeout: 60_000 }, (err, out, stderr) =>
      err
        ? reject(new Error(`${name}: ${err.message}\n${stderr}`))
        : resolve(JSON.parse(out.trim().split('\n').at(-1)!)),
    ),
  );
}

beforeAll(async () => {
  app = await startApp();
  resources = synth({ ...ACCOUNTS, samLocal: 'true' }).resources;
  parameters = await samParameters({
    tableName: app.tableName,
    storeEndpoint: process.env.TEST_STORE_ENDPOINT!,
    issuer: app.url,
  });
  // Two at a time: each is a Node process compiling its handler.
  const queue = [...NAMES];
  const worker = async () => {
    for (let name = queue.shift(); name; name = queue.shift())
      answers[name] = await samInvoke(name).catch((e: Error) => e);
  };
  await Promise.all([worker(), worker()]);
}, 240_000);
afterAll(() => app?.close());

describe('sam local invoke, in the environment SAM gives each function', () => {
  test('every variable the template fills from another resource is overridden by npm run sam:env', () => {
    for (const name of NAMES) {
      const fromRefs = Object.entries(declared(name))
        .filter(([, v]) => typeof v === 'object' && v !== null && 'Ref' in v)
        .map(([k]) => k);
      expect(fromRefs.filter((variable) => parameters[variable] === undefined)).toEqual([]);
    }
    // The key ARNs and the queue are blanked (the table's name is given).
    for (const variable of RESOURCE_VARIABLES) expect(parameters[variable]).toBe('');
  });

  test.each(NAMES)('%s answers as its event file does on the dev server (never 503)', (name) => {
    const answer = answers[name];
    if (answer instanceof Error) throw answer;
    const [status, body] = AS_COMMITTED[name];
    expect([name, answer.statusCode]).toEqual([name, status]);
    if (body !== undefined) expect(JSON.parse(answer.body!)).toEqual(body);
  });

  test('with real tokens pasted in, the functions that only verify them answer 200, not 503', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sam-events-'));
    const withHeaders = (name: string, change: (e: HttpEvent) => void) => {
      const event: HttpEvent = JSON.parse(readFileSync(join('test/events', `${name}.json`), 'utf8'));
      change(event);
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(event));
      return file;
    };
    const login = answers.token as Answer;
    const access = JSON.parse(login.body!).access_token as string;
    const bearer = (e: HttpEvent) => {
      e.headers = { ...e.headers, authorization: `Bearer ${access}` };
    };
    // sam local invoke MeFunction / SessionsFunction with the token TokenFunction gave: both read the
    // published keys, which SAM left pointing at a logical id.
    for (const name of ['me', 'sessions']) {
      const answer = await samInvoke(name, withHeaders(name, bearer));
      expect([name, answer.statusCode]).toEqual([name, 200]);
    }
  }, 60_000);
});
