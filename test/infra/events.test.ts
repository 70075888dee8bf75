import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Code, Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import { publishesEvents, routes } from '../../functions/routes';
import { AuthApi } from '../../lib/auth-api';
import { ACCOUNTS, ALL_FUNCTIONS, build, inspect, synth, testApp, type Resources } from '../support/synth';

// Every audit event on an EventBridge bus (docs/events.md): the stack's own or one named in context,
// PutEvents granted to the functions that audit and to no other, an alarm on events the bus did not
// take, webhooks as API destinations with a dead-letter queue, and `none` for no events at all.

const PUBLISHERS = [...routes.filter(publishesEvents).map((r) => r.name), 'mail-worker'];
const putEvents = (statements: { Action: string | string[] }[]) =>
  statements.filter((s) => [s.Action].flat().includes('events:PutEvents'));

describe('AuthStack: the event bus', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'auth-events-'));
  const { resources, template } = synth(ACCOUNTS, { bundle: true, outdir });
  const { ofType, fnLogicalId, statementsOf } = inspect(resources);
  const [[busId]] = ofType('AWS::Events::EventBus');

  test('one bus of its own, its name an output', () => {
    expect(ofType('AWS::Events::EventBus')).toHaveLength(1);
    expect(template.toJSON().Outputs.EventBusName.Value).toEqual({ Ref: busId });
  });

  test('the functions that audit may put events there, with source auth-api only; the others may not', () => {
    // A route's function, a writing one, and the mail worker: lib/function-factory.ts and lib/auth-api.ts agree.
    expect(PUBLISHERS).toEqual(expect.arrayContaining(['token', 'refresh', 'logout', 'oauth2-token', 'signup']));
    for (const name of ALL_FUNCTIONS) {
      const env = resources[fnLogicalId(name)].Properties.Environment?.Variables ?? {};
      const granted = putEvents(statementsOf(name));
      if (PUBLISHERS.includes(name)) {
        expect([name, env.EVENT_BUS]).toEqual([name, { 'Fn::GetAtt': [busId, 'Arn'] }]);
        expect(granted).toEqual([
          {
            Action: 'events:PutEvents',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [busId, 'Arn'] },
            Condition: { StringEquals: { 'events:source': 'auth-api' } },
          },
        ]);
      } else {
        expect([name, env.EVENT_BUS, granted]).toEqual([name, undefined, []]);
      }
    }
    expect(PUBLISHERS).not.toContain('me');
    expect(PUBLISHERS).not.toContain('jwks');
  });

  test('only the publishing functions bundle the EventBridge client', () => {
    const bundle = (name: string) =>
      readFileSync(join(outdir, resources[fnLogicalId(name)].Metadata['aws:asset:path'], 'index.js'), 'utf8');
    for (const name of ['token', 'refresh', 'mail-worker'])
      expect([name, bundle(name)]).toEqual([name, expect.stringContaining('PutEvents')]);
    for (const name of ['me', 'jwks', 'session-authorizer'])
      expect([name, bundle(name).includes('PutEvents')]).toEqual([name, false]);
  });

  test('an alarm when the bus does not take events', () => {
    const [, alarm] = ofType('AWS::CloudWatch::Alarm').find(([id]) => id.includes('EventsUnpublished'))!;
    expect(alarm.Properties).toMatchObject({
      MetricName: 'events_unpublished',
      Namespace: 'AuthApi',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});

describe('AuthStack: eventBus names an existing bus, or none', () => {
  test('an existing bus by ARN: no bus made, the grants name it', () => {
    const arn = 'arn:aws:events:eu-west-1:123456789012:event-bus/company-events';
    const { resources } = synth({ eventBus: arn }, { bundle: false });
    const { ofType, statementsOf, fnLogicalId } = inspect(resources);
    expect(ofType('AWS::Events::EventBus')).toEqual([]);
    expect(putEvents(statementsOf('token'))).toEqual([expect.objectContaining({ Resource: arn })]);
    expect(resources[fnLogicalId('token')].Properties.Environment.Variables.EVENT_BUS).toBe(arn);
  });

  test('none: no bus, no grant, no variable, no alarm, no client in any bundle', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'auth-no-events-'));
    const { resources, template } = synth({ ...ACCOUNTS, eventBus: 'none' }, { bundle: true, outdir });
    const text = JSON.stringify(resources);
    for (const absent of ['AWS::Events::EventBus', 'events:PutEvents', 'EVENT_BUS', 'events_unpublished'])
      expect([absent, text.includes(absent)]).toEqual([absent, false]);
    expect(template.toJSON().Outputs.EventBusName).toBeUndefined();
    const { fnLogicalId } = inspect(resources);
    for (const name of ['token', 'refresh', 'mail-worker', 'oauth2-token']) {
      const bundle = readFileSync(
        join(outdir, resources[fnLogicalId(name)].Metadata['aws:asset:path'], 'index.js'),
        'utf8',
      );
      expect([name, bundle.includes('PutEvents')]).toEqual([name, false]);
    }
  });
});

describe('AuthStack: eventWebhooks', () => {
  const hooks = [
    {
      name: 'crm',
      url: 'https://hooks.example.com/auth-events',
      events: ['signup', 'email_verified'],
      apiKeySecret: 'crm-webhook-key',
    },
    { name: 'siem', url: 'https://siem.example.com/in', apiKeySecret: 'siem-key', apiKeyHeader: 'authorization' },
  ];
  const { resources, stack, nag } = synth({ eventWebhooks: JSON.stringify(hooks) }, { bundle: false });
  const { ofType } = inspect(resources);

  test("each is a rule whose pattern is its events, sent to an API destination with the secret's key", () => {
    const rules = Object.fromEntries(ofType('AWS::Events::Rule').map(([id, r]) => [id.replace(/Rule.*/, ''), r]));
    const crm = Object.entries(rules).find(([id]) => id.includes('crm'))![1];
    const siem = Object.entries(rules).find(([id]) => id.includes('siem'))![1];
    expect(crm.Properties.EventPattern).toEqual({ source: ['auth-api'], 'detail-type': ['signup', 'email_verified'] });
    expect(siem.Properties.EventPattern).toEqual({ source: ['auth-api'] });
    const target = crm.Properties.Targets[0];
    expect(target).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/WebhookDeadLetters/), 'Arn'] } },
    });
    const destinations = ofType('AWS::Events::ApiDestination').map(([, d]) => d.Properties);
    expect(destinations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          InvocationEndpoint: hooks[0].url,
          HttpMethod: 'POST',
          InvocationRateLimitPerSecond: 10,
        }),
      ]),
    );
    const keys = ofType('AWS::Events::Connection').map(([, c]) => c.Properties.AuthParameters.ApiKeyAuthParameters);
    expect(keys).toEqual([
      { ApiKeyName: 'x-api-key', ApiKeyValue: expect.stringContaining('crm-webhook-key:SecretString') },
      { ApiKeyName: 'authorization', ApiKeyValue: expect.stringContaining('siem-key:SecretString') },
    ]);
    expect(ofType('AWS::CloudWatch::Alarm').some(([id]) => id.includes('WebhookDeadLetters'))).toBe(true);
  });

  test('cdk-nag AwsSolutions clean', () => {
    expect(
      nag.validateScope(stack).violations.map((v) => `${v.ruleName} ${JSON.stringify(v.violatingResources)}`),
    ).toEqual([]);
  });

  test.each([
    [[{ ...hooks[0], events: ['sign_up'] }], /events must name audit events/],
    [[{ ...hooks[0], url: 'http://hooks.example.com' }], /url must be https/],
    [[{ ...hooks[0], name: 'a b' }], /name must be/],
    [[hooks[0], hooks[0]], /declared twice/],
    [[{ ...hooks[0], secret: 'x' }], /unknown field\(s\) secret/],
  ])('a bad webhook fails the synth: %j', (bad, message) => {
    expect(() => build(testApp({ eventWebhooks: JSON.stringify(bad) }))).toThrow(message);
  });

  test('webhooks without a bus fail the synth', () => {
    expect(() => build(testApp({ eventBus: 'none', eventWebhooks: JSON.stringify(hooks) }))).toThrow(
      /eventBus is none/,
    );
  });
});

describe("A team's own rule that feeds a Lambda (docs/events.md)", () => {
  test('rule(events) is a rule on the bus with that pattern; the function is its target', () => {
    const app = testApp();
    const stack = new Stack(app, 'TeamStack');
    const auth = new AuthApi(stack, 'Auth');
    const welcome = new LambdaFn(stack, 'Welcome', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async (event) => console.log(event["detail-type"]);'),
    });
    auth.events!.rule('SignupToWelcome', ['signup']).addTarget(new LambdaFunction(welcome));
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    const { ofType } = inspect(resources);
    const [[busId]] = ofType('AWS::Events::EventBus');
    const [[ruleId, rule]] = ofType('AWS::Events::Rule');
    expect(rule.Properties).toMatchObject({
      EventBusName: { Ref: busId },
      EventPattern: { source: ['auth-api'], 'detail-type': ['signup'] },
      Targets: [{ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^Welcome/), 'Arn'] } }],
    });
    const permission = ofType('AWS::Lambda::Permission').find(
      ([, p]) => p.Properties.Principal === 'events.amazonaws.com',
    );
    expect(permission?.[1].Properties.SourceArn).toEqual({ 'Fn::GetAtt': [ruleId, 'Arn'] });
    expect(() => auth.events!.rule('Typo', ['sign_up' as 'signup'])).toThrow(/must name audit events/);
  });
});
