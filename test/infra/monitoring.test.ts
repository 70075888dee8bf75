import { METRICS_NAMESPACE, METRIC_EVENTS } from '../../functions/http/metrics';
import { enabledRoutes } from '../../functions/routes';
import { ACCOUNTS, synth as synthStack } from '../support/synth';

// Alarms, their SNS topic and the dashboard (lib/monitoring.ts): each alarm's metric must be one AWS
// emits with the settings the stack enables, or one the code writes (functions/http/metrics.ts).

type Resources = ReturnType<typeof synthStack>['resources'];
const synth = (context: Record<string, string> = {}) => synthStack({ ...ACCOUNTS, ...context });

const { template, resources } = synth({
  alarmLoginFailedPer5Minutes: '250',
  alarmMfaFailedPer5Minutes: '40',
  alarmEmail: 'ops@example.com',
});
const ofType = (r: Resources, type: string) => Object.entries(r).filter(([, x]) => x.Type === type);
const alarms = Object.fromEntries(
  ofType(resources, 'AWS::CloudWatch::Alarm').map(([id, a]) => [
    id.replace(/^Monitoring/, '').replace(/[0-9A-F]{8}$/, ''),
    a.Properties,
  ]),
);
const topicId = ofType(resources, 'AWS::SNS::Topic')[0][0];
const functionIds = ofType(resources, 'AWS::Lambda::Function').map(([id]) => id);
const { POWERTOOLS_SERVICE_NAME: service } = resources[functionIds[0]].Properties.Environment.Variables;
const metricOf = (alarm: { Metrics?: { Id: string; MetricStat?: { Metric: unknown } }[] }, id: string) =>
  alarm.Metrics!.find((m) => m.Id === id)!.MetricStat!.Metric as {
    Namespace: string;
    MetricName: string;
    Dimensions: { Name: string; Value: unknown }[];
  };

describe('alarms', () => {
  test('every alarm notifies the one topic, over one period, and treats no traffic as no trouble', () => {
    expect(Object.keys(alarms).length).toBeGreaterThan(40);
    for (const a of Object.values(alarms)) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.EvaluationPeriods).toBe(1);
      expect(a.TreatMissingData).toBe('notBreaching');
      expect(a.AlarmDescription.length).toBeGreaterThan(20);
    }
  });

  test('API 5xx rate: 5xx over Count of the $default stage, above 1 % in 5 minutes', () => {
    const a = alarms.Api5xxRate;
    expect(a.Threshold).toBe(1);
    expect(a.ComparisonOperator).toBe('GreaterThanThreshold');
    for (const [id, name] of [
      ['errors', '5xx'],
      ['requests', 'Count'],
    ]) {
      const m = metricOf(a, id);
      expect([m.Namespace, m.MetricName]).toEqual(['AWS/ApiGateway', name]);
      expect(m.Dimensions).toEqual([
        { Name: 'ApiId', Value: { Ref: expect.stringMatching(/^HttpApi/) } },
        { Name: 'Stage', Value: '$default' },
      ]);
      expect(a.Metrics.find((x: { Id: string }) => x.Id === id).MetricStat.Period).toBe(300);
    }
  });

  test('p99 latency per deployed route, on the detailed metrics the stage turns on', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { DetailedMetricsEnabled: true },
    });
    const routes = enabledRoutes({ emailFrom: ACCOUNTS.emailFrom, allowSignup: true });
    for (const route of routes) {
      const a = alarms[`Latency${route.name.replace(/-/g, '')}`] ?? alarms[`Latency-${route.name}`];
      expect([route.name, a]).toEqual([route.name, expect.anything()]);
      expect(a).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        MetricName: 'Latency',
        ExtendedStatistic: 'p99',
        Period: 300,
      });
      expect(a.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'Method', Value: route.method },
          { Name: 'Resource', Value: route.path },
          { Name: 'Stage', Value: '$default' },
        ]),
      );
      const bcrypt = ['token', 'oauth2-token', 'password-change', 'password-reset', 'signup'].includes(route.name);
      expect([route.name, a.Threshold]).toEqual([route.name, bcrypt ? 3000 : 1000]);
    }
  });

  test("each function's errors and throttles; the signing keys' rotation failures on their own", () => {
    for (const fn of functionIds) {
      const name = Object.entries(alarms).filter(
        ([, a]) => a.Namespace === 'AWS/Lambda' && JSON.stringify(a.Dimensions).includes(`"${fn}"`),
      );
      const metrics = name.map(([, a]) => a.MetricName).sort();
      if (fn.startsWith('SigningKeysFunction')) {
        expect(metrics).toEqual(['Errors']);
        expect(alarms.SigningKeyRotationFailed).toMatchObject({ Period: 3600, Threshold: 1 });
      } else expect([fn, metrics]).toEqual([fn, ['Errors', 'Throttles']]);
      for (const [, a] of name)
        expect(a).toMatchObject({
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
    }
  });

  test('DynamoDB throttling and system errors on the table', () => {
    const throttled = alarms.DynamoThrottled;
    expect(['reads', 'writes'].map((id) => metricOf(throttled, id).MetricName)).toEqual([
      'ReadThrottleEvents',
      'WriteThrottleEvents',
    ]);
    const errors = alarms.DynamoSystemErrors.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat);
    expect(errors.length).toBe(6);
    for (const m of errors) {
      expect(m.MetricStat.Metric.MetricName).toBe('SystemErrors');
      expect(m.MetricStat.Metric.Dimensions.map((d: { Name: string }) => d.Name)).toEqual(['Operation', 'TableName']);
    }
  });

  test('the audit alarms watch the metrics the code writes: namespace, name, service dimension', () => {
    expect(service).toBe('auth-api');
    const expected = {
      RefreshTokenReuse: ['refresh_token_reuse', 1, 'GreaterThanOrEqualToThreshold'],
      LoginFailures: ['login_failed', 250, 'GreaterThanThreshold'],
      LoginLockouts: ['login_locked', 20, 'GreaterThanThreshold'],
      MfaFailures: ['mfa_failed', 40, 'GreaterThanThreshold'],
      PasskeyCloneSuspected: ['passkey_clone_suspected', 1, 'GreaterThanOrEqualToThreshold'],
      AuthorizationCodeReuse: ['authorization_code_reuse', 1, 'GreaterThanOrEqualToThreshold'],
      ClientAuthFailures: ['client_auth_failed', 50, 'GreaterThanThreshold'],
      ClientRegistrations: ['client_registered', 100, 'GreaterThanThreshold'],
    };
    for (const [id, [metric, threshold, op]] of Object.entries(expected)) {
      const a = alarms[id];
      const period = id === 'ClientRegistrations' ? 3600 : 300;
      expect(METRIC_EVENTS).toContain(metric);
      expect(a).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: service }],
        Statistic: 'Sum',
        Period: period,
        Threshold: threshold,
        ComparisonOperator: op,
      });
    }
  });
});

describe('topic and dashboard', () => {
  test('the topic is encrypted with a key CloudWatch may use, TLS only, with the optional email subscription', () => {
    const [, topic] = ofType(resources, 'AWS::SNS::Topic')[0];
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/TopicKey/), 'Arn'] });
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    expect(JSON.stringify(resources[keyId].Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    expect(ofType(synth().resources, 'AWS::SNS::Subscription')).toEqual([]);
  });

  test('the dashboard shows latencies, errors, logins, sessions, second factors, DynamoDB capacity', () => {
    const [, dashboard] = ofType(resources, 'AWS::CloudWatch::Dashboard')[0];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const text of [
      'Route latency p99',
      'login_succeeded',
      'login_failed',
      'login_locked',
      'logout_all',
      'session_evicted',
      'mfa_failed',
      'recovery_code_used',
      'ConsumedReadCapacityUnits',
      'ConsumedWriteCapacityUnits',
      'Function errors',
      '5xx',
    ])
      expect([text, body.includes(text)]).toEqual([text, true]);
  });

  test('monitoring=false leaves out the alarms, the topic, the dashboard and the detailed metrics', () => {
    const off = synth({ monitoring: 'false' });
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::SNS::Topic', 'AWS::CloudWatch::Dashboard'])
      expect(ofType(off.resources, type)).toEqual([]);
    off.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { DetailedMetricsEnabled: false },
    });
  });

  test('a bad alarm email or app name fails the synth, naming the key', () => {
    expect(() => synth({ alarmEmail: 'not-an-address' })).toThrow('context alarmEmail must be an email address');
    expect(() => synth({ appName: 'Acme: Shop' })).toThrow('context appName: must not contain a colon');
  });
});
