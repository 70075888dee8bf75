import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startXrayDaemon, tracedLambdaEnvironment, type TraceDocument, type XrayDaemon } from '../../dev/xray-daemon';
import { startDynalite } from '../../dev/dynalite';
import { ensureTable } from '../../dev/table';
import { newKeySet } from '../../functions/core/keys';
import { hashPassword } from '../../functions/core/passwords';
import { createDocumentClient, createDynamoClient } from '../../functions/store/client';
import { DynamoStore } from '../../functions/store/dynamo-store';
import { functionId } from '../../lib/route-function';
import { ACCOUNTS, build, testApp } from '../support/synth';

// Tracing (docs/operations.md "Tracing"): with `-c tracing=true` every function is actively traced, its role may
// write traces and nothing more, and the deployed bundle sends the handler and each AWS SDK call to
// X-Ray, with no password, token or cookie in any of it. Off (the default) is tested in
// stack.test.ts: no TracingConfig, no X-Ray grant, no X-Ray SDK in any bundle.

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, asserted by shape
type Resources = Record<string, { Type: string; Properties: any; Metadata: Record<string, string> }>;
/** What a handler returned: an HTTP answer, or the authorizer's verdict. */
type Answer = { statusCode: number; body: string; cookies: string[]; isAuthorized?: boolean };
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

function synth(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), 'auth-tracing-'));
  const app = testApp({ ...ACCOUNTS, ...context }, { bundle: true, outdir });
  const { stack, nag } = build(app);
  // Runs cdk-nag (and, exhaustive, the Control Tower rules): throws on any finding not acknowledged.
  const assembly = app.synth();
  const file = join(outdir, assembly.getStackArtifact(stack.artifactId).templateFile);
  const resources = JSON.parse(readFileSync(file, 'utf8')).Resources as Resources;
  return { stack, nag, outdir, resources };
}

const traced = synth({ tracing: 'true' });
// The same stack without tracing, for comparison (no bundling: only the template matters).
const plain = synth({ 'aws:cdk:bundling-stacks': [] });
const functionsOf = (r: Resources) => Object.entries(r).filter(([, x]) => x.Type === 'AWS::Lambda::Function');
const tracedFunctions = functionsOf(traced.resources);
const handlerOf = (logicalId: string) => traced.resources[logicalId].Metadata['aws:cdk:path'].split('/').at(-2)!;
const bundleOf = (handler: string) => {
  const [, fn] = tracedFunctions.find(([, f]) => f.Metadata['aws:cdk:path'].split('/').at(-2) === functionId(handler))!;
  return join(traced.outdir, fn.Metadata['aws:asset:path'], 'index.js');
};
/** Each role's policy statements, by the construct id of the role. */
function statementsByRole(r: Resources) {
  const out: Record<string, { Action: string | string[]; Resource: unknown }[]> = {};
  for (const [, p] of Object.entries(r).filter(([, x]) => x.Type === 'AWS::IAM::Policy')) {
    for (const role of p.Properties.Roles as { Ref: string }[]) {
      const name = role.Ref.replace(/[0-9A-F]{8}$/, '');
      out[name] = [...(out[name] ?? []), ...p.Properties.PolicyDocument.Statement];
    }
  }
  return out;
}

describe('tracing=true: the stack', () => {
  test('traces every function actively, and changes nothing else about it', () => {
    expect(tracedFunctions.length).toBe(functionsOf(plain.resources).length);
    for (const [id, fn] of tracedFunctions) {
      expect([handlerOf(id), fn.Properties.TracingConfig]).toEqual([handlerOf(id), { Mode: 'Active' }]);
      const { TracingConfig: _, Code: __, ...rest } = fn.Properties;
      const { Code: ___, ...before } = plain.resources[id].Properties;
      expect(rest).toEqual(before);
    }
  });

  test("lets each function's role write traces, and grants nothing else", () => {
    const after = statementsByRole(traced.resources);
    const before = statementsByRole(plain.resources);
    const roles = tracedFunctions.map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, ''));
    for (const role of roles) {
      const xray = after[role].filter((s) => [s.Action].flat().some((a) => a.startsWith('xray:')));
      expect(xray).toEqual([{ Effect: 'Allow', Action: XRAY_ACTIONS, Resource: '*' }]);
      expect(after[role].filter((s) => !xray.includes(s))).toEqual(before[role] ?? []);
    }
    // No role that is not a function's gains anything.
    for (const role of Object.keys(after).filter((r) => !roles.includes(r))) expect(after[role]).toEqual(before[role]);
  });

  test('passes cdk-nag with the X-Ray wildcard acknowledged on each traced role, with the reason', () => {
    const report = traced.nag.validateScope(traced.stack);
    expect(report.violations).toEqual([]);
    const acked = traced.stack.node
      .findAll()
      .filter((c) =>
        c.node.metadata.some(
          (m) =>
            m.type === 'aws:cdk:acknowledged-rules' &&
            String((m.data as Record<string, string>)['Annotation::AwsSolutions-IAM5[Resource::*]']).includes(
              'xray:PutTraceSegments',
            ),
        ),
      )
      .map((c) => c.node.id);
    expect(acked.sort()).toEqual(tracedFunctions.map(([id]) => `${handlerOf(id)}Role`).sort());
  });

  test('bundles the tracer into every function, each still within its bundle cap', () => {
    // The passkey verify functions, the hosted passkey login and the OAuth token endpoint carry @simplewebauthn/server
    // (~330 KB): 950 KB untraced (docs/performance.md), and the tracer's ~130 KB on top; every other function 750 KB
    // (the largest, the hosted password login: 712 KB with the event bus's client, docs/events.md).
    const webauthn = ['passkeys-register-verify', 'passkeys-login-verify', 'oauth2-token', 'oauth2-login-passkey'].map(
      functionId,
    );
    for (const [id, fn] of tracedFunctions) {
      const cap = webauthn.includes(handlerOf(id)) ? 1100 * 1024 : 750 * 1024;
      const bundle = join(traced.outdir, fn.Metadata['aws:asset:path'], 'index.js');
      expect([id, readFileSync(bundle, 'utf8').includes('AWS_XRAY_DAEMON_ADDRESS')]).toEqual([id, true]);
      expect([id, statSync(bundle).size <= cap]).toEqual([id, true]);
    }
  });
});

describe('tracing=true: what the deployed bundles send to X-Ray', () => {
  const TABLE = 'auth-traced';
  const PASSWORD = 'a traced passphrase';
  let store: { endpoint: string; stop: () => Promise<void> };
  let daemon: XrayDaemon;
  let signingKeys: string;
  const secret = 'traced-refresh-secret-0123456789abcdef-012345';

  beforeAll(async () => {
    store = await startDynalite(0);
    const client = createDynamoClient({ DYNAMODB_ENDPOINT: store.endpoint });
    await ensureTable(client, TABLE);
    await new DynamoStore(createDocumentClient({}, client), TABLE).putUser(
      { username: 'tracy', passwordHash: await hashPassword(PASSWORD, 4), disabled: false, createdAt: Date.now() },
      { overwrite: true },
    );
    client.destroy();
    daemon = await startXrayDaemon();
    signingKeys = JSON.stringify(await newKeySet(Date.now()));
  });
  afterAll(async () => {
    await daemon.stop();
    await store.stop();
  });

  /** A committed SAM event (test/events), changed for this run. */
  // biome-ignore lint/suspicious/noExplicitAny: an API Gateway event, edited by shape
  const event = (name: string, change: (e: Record<string, any>) => void) => {
    const e = JSON.parse(readFileSync(join(__dirname, '..', 'events', `${name}.json`), 'utf8'));
    change(e);
    return e;
  };
  const loginEvent = () =>
    event('token', (e) => {
      e.body = Buffer.from(new URLSearchParams({ username: 'tracy', password: PASSWORD }).toString()).toString(
        'base64',
      );
      delete e.headers['content-length'];
    });

  /** Runs `events` through the traced bundle in a fresh process (a cold start) the way Lambda would. */
  async function invoke(handler: string, events: unknown[], env: Record<string, string> = {}) {
    const file = join(mkdtempSync(join(tmpdir(), 'auth-traced-events-')), 'events.json');
    writeFileSync(file, JSON.stringify(events));
    const seen = daemon.documents.length;
    // Not spawnSync: the store and the daemon answer from this process's event loop.
    const run = await promisify(execFile)(
      process.execPath,
      ['test/support/lambda-child.mjs', bundleOf(handler), file],
      {
        env: {
          PATH: process.env.PATH,
          ...tracedLambdaEnvironment(daemon, handler, bundleOf(handler)),
          AWS_REGION: 'us-east-1',
          POWERTOOLS_SERVICE_NAME: 'auth-api',
          POWERTOOLS_LOG_LEVEL: 'WARN',
          POWERTOOLS_METRICS_DISABLED: 'true',
          TABLE_NAME: TABLE,
          DYNAMODB_ENDPOINT: store.endpoint,
          JWT_SECRET: secret,
          SIGNING_KEYS: signingKeys,
          TOKEN_ISSUER: 'https://auth.example.com',
          TOKEN_AUDIENCE: 'serverless-auth-api',
          ...env,
        },
      },
    );
    const lines = run.stdout.trim().split('\n');
    const results = JSON.parse(lines.pop()!) as { traceId: string; result: Answer }[];
    const logs = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    // UDP on loopback: give the last datagrams a moment to be read.
    await new Promise((r) => setTimeout(r, 200));
    return { results, logs, documents: daemon.documents.slice(seen) };
  }
  const handlerSegments = (docs: TraceDocument[], traceId: string) =>
    docs.filter((d) => d.trace_id === traceId && d.name === '## index.handler');
  const dynamoCalls = (docs: TraceDocument[], parent: TraceDocument) =>
    docs.filter((d) => d.parent_id === parent.id && d.name === 'DynamoDB').map((d) => d.aws!.operation);

  let cookie = '';
  let accessToken = '';
  test('a login: a handler subsegment per invocation, cold then warm, each DynamoDB call inside it', async () => {
    const { results, logs, documents } = await invoke('token', [loginEvent(), loginEvent()], {
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    expect(results.map((r) => r.result.statusCode)).toEqual([200, 200]);
    // Each audit line names its trace (Powertools Logger reads the same header): from a trace to its logs.
    const audits = logs.filter((l) => l.event === 'login_succeeded');
    expect(audits.map((l) => l.xray_trace_id)).toEqual(results.map((r) => r.traceId));
    cookie = results[1].result.cookies[0].split(';')[0];
    accessToken = JSON.parse(results[1].result.body).access_token;
    for (const [i, { traceId }] of results.entries()) {
      const [segment, ...more] = handlerSegments(documents, traceId);
      expect(more).toEqual([]);
      expect(segment.annotations).toEqual({ ColdStart: i === 0, Service: 'auth-api' });
      expect(segment.fault).toBeUndefined();
      const calls = dynamoCalls(documents, segment);
      expect(calls).toEqual(expect.arrayContaining(['BatchGetItem', 'UpdateItem', 'PutItem', 'Query']));
      for (const d of documents.filter((x) => x.parent_id === segment.id)) {
        expect(d.namespace).toBe('aws');
        expect([d.aws!.table_name, d.aws!.table_names].flat()).toContain(TABLE);
      }
    }
  });

  test('a refresh, /users/me and the session authorizer: each call traced under its handler', async () => {
    const refresh = await invoke('refresh', [
      event('refresh', (e) => {
        e.cookies = [cookie];
      }),
    ]);
    expect(refresh.results[0].result.statusCode).toBe(200);
    const me = await invoke('me', [
      event('me', (e) => {
        e.headers.authorization = `Bearer ${accessToken}`;
      }),
    ]);
    expect(me.results[0].result.statusCode).toBe(200);
    const authorizer = await invoke('session-authorizer', [
      { type: 'REQUEST', routeKey: 'GET /examples/session', headers: { authorization: `Bearer ${accessToken}` } },
    ]);
    expect(authorizer.results[0].result.isAuthorized).toBe(true);
    for (const [run, expected] of [
      [refresh, ['BatchGetItem', 'UpdateItem']],
      [me, ['BatchGetItem']],
      [authorizer, ['BatchGetItem']],
    ] as const) {
      const [segment] = handlerSegments(run.documents, run.results[0].traceId);
      expect(segment.annotations).toEqual({ ColdStart: true, Service: 'auth-api' });
      expect(dynamoCalls(run.documents, segment)).toEqual(expect.arrayContaining([...expected]));
    }
  });

  test('a store outage: 503, and the handler and the failed call are marked as faults', async () => {
    const { results, documents } = await invoke(
      'me',
      [event('me', (e) => (e.headers.authorization = `Bearer ${accessToken}`))],
      {
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
        DYNAMODB_MAX_ATTEMPTS: '1',
      },
    );
    expect(results[0].result.statusCode).toBe(503);
    const [segment] = handlerSegments(documents, results[0].traceId);
    expect(segment.fault).toBe(true);
    const calls = documents.filter((d) => d.parent_id === segment.id && d.name === 'DynamoDB');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.fault || c.error).toBe(true);
  });

  test('under `sam local invoke` (AWS_SAM_LOCAL) the traced bundle answers the same and sends nothing', async () => {
    const { results, documents } = await invoke('token', [loginEvent()], { AWS_SAM_LOCAL: 'true' });
    expect(results[0].result.statusCode).toBe(200);
    expect(documents).toEqual([]);
  });

  test('no password, token, cookie or username in anything sent', () => {
    expect(daemon.datagrams.length).toBeGreaterThan(20);
    const sent = daemon.datagrams.join('\n');
    for (const s of [PASSWORD, encodeURIComponent(PASSWORD), cookie.split('=')[1], accessToken, secret, 'tracy']) {
      expect(s.length).toBeGreaterThan(4);
      expect(sent).not.toContain(s);
    }
  });
});
