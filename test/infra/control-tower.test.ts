import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { routes } from '../../functions/routes';
import { buildApp } from '../../lib/app';
import { AuthApi } from '../../lib/auth-api';
import { CONTROL_TOWER, ControlTowerChecks } from '../../lib/compliance';

// AWS Control Tower's proactive controls (cfn-guard, offline) run in every synth beside cdk-nag: each
// finding is fixed or acknowledged on its own construct with a reason, and anything else fails the synth.

const ACK = 'aws:cdk:acknowledged-rules';
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, asserted by shape
type Resources = Record<string, { Type: string; Properties: any; Metadata: Record<string, string> }>;
const app = (context: Record<string, unknown> = {}) =>
  new App({
    outdir: mkdtempSync(join(tmpdir(), 'auth-ct-')),
    // No bundling: these tests are about resources, not code.
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true, ...context },
  });

/** Synthesizes, returning the console output of a failed validation (empty when it passed). */
function synthReport(a: App): string {
  const lines: string[] = [];
  const spies = (['log', 'error', 'warn'] as const).map((m) =>
    jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(args.join(' '))),
  );
  try {
    a.synth();
    return '';
  } catch (err) {
    return `${lines.join('\n')}\n${(err as Error).message}`;
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

/** construct path -> acknowledged rule ids, after synth (aspects add some). */
function acknowledgements(scope: IConstruct): [string, string, string][] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === ACK)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, why]) => [c.node.path, id, why])),
    ) as [string, string, string][];
}

describe('AWS Control Tower proactive controls', () => {
  const a = app();
  const { stack } = buildApp(a);
  const report = synthReport(a);
  const template = Template.fromStack(stack).toJSON();
  const resources = Object.entries(
    template.Resources as Record<string, { Type: string; Metadata: Record<string, string> }>,
  );
  const pathsOf = (type: string) =>
    resources.filter(([, r]) => r.Type === type).map(([, r]) => r.Metadata['aws:cdk:path'].replace(/\/Resource$/, ''));
  const acks = acknowledgements(stack);
  const ackedFor = (rule: string) => acks.filter(([, id]) => id === rule).map(([path]) => path);

  test('the default stack synthesizes with both cdk-nag and the Control Tower rules on', () => {
    expect(report).toBe('');
  });

  test('each acknowledgement sits on the construct it concerns, with a reason', () => {
    // Every public route of the route table, and the catch-all; never a route of your own (they have authorizers).
    const routesAcked = ackedFor(CONTROL_TOWER.routeAuthorization).map((p) => p.split('/').at(-1));
    expect(routesAcked).toHaveLength(routes.filter((r) => !r.needs).length + 1);
    expect(routesAcked).toContain('DefaultRoute');
    expect(routesAcked).not.toContain(expect.stringContaining('examples'));
    // Every log group (30-day retention, CloudWatch Logs' own keys by default), every function (no VPC).
    const logGroups = pathsOf('AWS::Logs::LogGroup');
    expect(ackedFor(CONTROL_TOWER.logRetention).sort()).toEqual(logGroups.sort());
    expect(ackedFor(CONTROL_TOWER.logEncryption).sort()).toEqual(logGroups.sort());
    expect(ackedFor(CONTROL_TOWER.lambdaVpc).sort()).toEqual(pathsOf('AWS::Lambda::Function').sort());
    // API Gateway's invoke permissions (their SourceArn is an Fn::Join; the account is not known here).
    const apiPermissions = resources
      .filter(([, r]) => r.Type === 'AWS::Lambda::Permission')
      .filter(([id]) => (template.Resources[id].Properties.Principal as string) === 'apigateway.amazonaws.com')
      .map(([, r]) => r.Metadata['aws:cdk:path'].replace(/\/Resource$/, ''));
    expect(apiPermissions.length).toBeGreaterThan(10);
    expect(ackedFor(CONTROL_TOWER.lambdaPolicy).sort()).toEqual(apiPermissions.sort());
    // Nothing else is acknowledged for Control Tower, and every reason says why.
    const ctAcks = acks.filter(([, id]) => id.startsWith('cdk-validator-cfnguard::'));
    // (The dead-letter queue's exists only with email on: test/infra/stack.test.ts "accounts and email".)
    const expected = Object.values(CONTROL_TOWER).filter((id) => id !== CONTROL_TOWER.deadLetters);
    expect(new Set(ctAcks.map(([, id]) => id))).toEqual(new Set(expected));
    for (const [, , why] of ctAcks) expect(why.length).toBeGreaterThan(80);
  });

  test('a finding not acknowledged fails the synth, naming the control and the construct', () => {
    const b = app();
    const built = buildApp(b);
    // One more log group kept a week, acknowledged for nothing.
    const extra = new LogGroup(built.stack, 'Unacknowledged', { retention: RetentionDays.ONE_WEEK });
    Validations.of(extra).acknowledge({ id: CONTROL_TOWER.logEncryption, reason: 'encryption is not this test' });
    const out = synthReport(b);
    expect(out).toContain('CT.CLOUDWATCH.PR.2');
    expect(out).toContain('Unacknowledged');
    expect(out).not.toContain('TokenFunctionLogs');
  });

  test('removing one acknowledgement fails the synth', () => {
    const b = app();
    const built = buildApp(b);
    const logs = built.stack.node.findAll().find((c) => c.node.path.endsWith('/TokenFunctionLogs'))!;
    // `node.metadata` is a copy: drop the retention acknowledgement from the node's own list, on this log group only.
    const metadata = (logs.node as unknown as { _metadata: { type: string; data: Record<string, string> }[] })
      ._metadata;
    const at = metadata.findIndex((m) => m.type === ACK && CONTROL_TOWER.logRetention in m.data);
    expect(at).toBeGreaterThanOrEqual(0);
    metadata.splice(at, 1);
    const out = synthReport(b);
    expect(out).toContain('CT.CLOUDWATCH.PR.2');
    expect(out).toContain('TokenFunctionLogs');
  });

  test('logRetentionDays=365 and encryptLogs=true meet the log controls: no acknowledgement needed', () => {
    const b = app({ logRetentionDays: '365', encryptLogs: 'true' });
    const built = buildApp(b);
    expect(synthReport(b)).toBe('');
    const ids = acknowledgements(built.stack).map(([, id]) => id);
    expect(ids).not.toContain(CONTROL_TOWER.logRetention);
    expect(ids).not.toContain(CONTROL_TOWER.logEncryption);
    const t = Template.fromStack(built.stack).toJSON();
    const groups = Object.values(t.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>)
      .filter((r) => r.Type === 'AWS::Logs::LogGroup')
      .map((r) => r.Properties);
    expect(groups.length).toBeGreaterThan(10);
    for (const g of groups) {
      expect(g.RetentionInDays).toBe(365);
      expect(g.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] });
    }
    const [key] = Object.values(t.Resources as Resources).filter((r) => r.Type === 'AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const logsStatement = key.Properties.KeyPolicy.Statement.find(
      (s: { Principal: { Service?: unknown } }) => s.Principal.Service !== undefined,
    );
    expect(JSON.stringify(logsStatement.Principal.Service)).toContain('logs.');
    expect(JSON.stringify(logsStatement.Condition.ArnLike)).toContain(':log-group:*');
  });

  test('log retention takes only the periods CloudWatch Logs offers', () => {
    expect(() => buildApp(app({ logRetentionDays: '31' }))).toThrow(/logRetentionDays must be one of 1, 3, 5/);
  });

  test('in a stack with an explicit account, API permissions carry it as SourceAccount and pass unacknowledged', () => {
    const b = app();
    Validations.of(b).addPlugins(new ControlTowerChecks());
    const own = new Stack(b, 'Own', { env: { account: '123456789012', region: 'eu-west-1' } });
    new AuthApi(own, 'Auth');
    expect(synthReport(b)).toBe('');
    const permissions = Object.values(Template.fromStack(own).toJSON().Resources as Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions.length).toBeGreaterThan(10);
    for (const p of permissions) expect(p.Properties.SourceAccount).toBe('123456789012');
    expect(acknowledgements(own).map(([, id]) => id)).not.toContain(CONTROL_TOWER.lambdaPolicy);
  });
});
