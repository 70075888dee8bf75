import { routes, fallbackHandler } from '../../functions/routes';
import { CONTROL_TOWER } from '../../lib/compliance';
import { ACCOUNTS, ALL_FUNCTIONS as handlers, type Resources, inspect, synth } from '../support/synth';

// The account routes, the mail queue and worker (docs/accounts.md), and a restored table adopted by name.
// The Control Tower rules run here: the dead-letter queue exists only with email on.
const { stack, nag, template, resources } = synth(ACCOUNTS, { controlTower: true });
const { ofType, fnLogicalId, actionsOf } = inspect(resources);

describe('AuthStack: accounts and email', () => {
  const defaults = synth({}, { bundle: false });
  const ofTypeIn = (r: Resources, type: string) => Object.entries(r).filter(([, x]) => x.Type === type);
  const routeKeys = (r: Resources) => ofTypeIn(r, 'AWS::ApiGatewayV2::Route').map(([, x]) => x.Properties.RouteKey);
  const emailRoutes = routes
    .filter((r) => r.needs === 'email' || r.needs === 'signup')
    .map((r) => `${r.method} ${r.path}`);
  const statementsOf = (handler: string) => {
    const roleRef = resources[fnLogicalId(handler)].Properties.Role['Fn::GetAtt'][0];
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };

  test('by default: no email route, no sign-up route, no queue, no SES grant', () => {
    expect(emailRoutes).toHaveLength(5);
    for (const key of emailRoutes) expect(routeKeys(defaults.resources)).not.toContain(key);
    expect(routeKeys(defaults.resources)).toContain('POST /auth/password');
    expect(ofTypeIn(defaults.resources, 'AWS::SQS::Queue')).toEqual([]);
    expect(JSON.stringify(defaults.resources)).not.toContain('ses:');
  });

  test('with a sender but no sign-up: forgot and reset only', () => {
    const { resources: r } = synth(
      { emailFrom: ACCOUNTS.emailFrom, passwordResetUrl: ACCOUNTS.passwordResetUrl },
      { bundle: false },
    );
    const keys = routeKeys(r);
    expect(emailRoutes.filter((k) => keys.includes(k)).sort()).toEqual([
      'POST /auth/password/forgot',
      'POST /auth/password/reset',
    ]);
  });

  test('asking for sign-up without a sender fails the synth, naming the keys', () => {
    expect(() => synth({ allowSignup: 'true' }, { bundle: false })).toThrow(
      'allowSignup needs emailFrom: sign-up sends a verification message',
    );
    expect(() => synth({ emailFrom: ACCOUNTS.emailFrom }, { bundle: false })).toThrow(/needs passwordResetUrl/);
    expect(() => synth({ ...ACCOUNTS, passwordResetUrl: 'http://app.example.com/reset' }, { bundle: false })).toThrow(
      /passwordResetUrl must be an https:\/\/ URL/,
    );
  });

  test('every sign-up and email route is deployed when asked for, each with its own function', () => {
    for (const key of emailRoutes) expect(routeKeys(resources)).toContain(key);
  });

  test("the worker's SES grant: SendEmail on the configured identity only, from EMAIL_FROM only", () => {
    const ses = statementsOf('mail-worker').filter((st: { Action: string | string[] }) =>
      [st.Action].flat().some((a) => a.startsWith('ses:')),
    );
    expect(ses).toHaveLength(1);
    expect(ses[0].Action).toBe('ses:SendEmail');
    expect(JSON.stringify(ses[0].Resource)).toContain(':identity/example.com');
    expect(JSON.stringify(ses[0].Resource)).not.toContain('*');
    expect(ses[0].Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } });
    // No other function may send email.
    for (const handler of handlers.filter((h) => h !== 'mail-worker'))
      expect(actionsOf(handler).filter((a) => a.startsWith('ses:'))).toEqual([]);
    // A verified address instead of its domain: the grant names that address.
    const byAddress = synth({ ...ACCOUNTS, emailIdentity: 'no-reply@example.com' }, { bundle: false });
    expect(JSON.stringify(byAddress.resources)).toContain(':identity/no-reply@example.com');
  });

  test('only the routes that hand off messages may send to the queue; the worker reads it', () => {
    const senders = handlers.filter((h) => actionsOf(h).includes('sqs:SendMessage')).sort();
    expect(senders).toEqual(
      routes
        .filter((r) => r.sendsMail)
        .map((r) => r.name)
        .sort(),
    );
    for (const h of senders)
      expect(resources[fnLogicalId(h)].Properties.Environment.Variables.MAIL_QUEUE_URL).toBeDefined();
    expect(actionsOf('mail-worker')).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    // Token-less account routes hold no keys at all.
    for (const h of [
      'password-forgot',
      'password-reset',
      'signup',
      'email-verify',
      'email-verify-resend',
      'mail-worker',
    ])
      expect(actionsOf(h).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  test('with email and sign-up on, both cdk-nag and the Control Tower controls pass (the DLQ acknowledged)', () => {
    const report = nag.validateScope(stack);
    expect(report.success).toBe(true);
    const deadLetters = stack.node.findAll().find((c) => c.node.path.endsWith('/Mail/DeadLetters'))!;
    const acked = deadLetters.node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.keys(m.data as object));
    expect(acked.sort()).toEqual(['Annotation::AwsSolutions-SQS3', CONTROL_TOWER.deadLetters]);
  });

  test('the queue: encrypted, TLS only, a dead-letter queue after 3 tries, partial batch failures reported', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const [, q] of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const jobs = queues.find(([, q]) => q.Properties.RedrivePolicy)![1];
    expect(jobs.Properties.RedrivePolicy.maxReceiveCount).toBe(3);
    expect(jobs.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(60);
    const dlq = queues.find(([, q]) => !q.Properties.RedrivePolicy)![1];
    expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(ofType('AWS::SQS::QueuePolicy')).toHaveLength(2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('sign-up settings reach the functions; the catch-all knows which routes exist', () => {
    const env = (h: string) => resources[fnLogicalId(h)].Properties.Environment.Variables;
    expect(env('token')).toMatchObject({ ALLOW_SIGNUP: 'true', EMAIL_FROM: 'no-reply@example.com' });
    expect(env(fallbackHandler)).toMatchObject({ ALLOW_SIGNUP: 'true', EMAIL_FROM: 'no-reply@example.com' });
    const strict = synth(
      { ...ACCOUNTS, requireEmailVerification: 'false', signupIpMaxPerHour: '3' },
      { bundle: false },
    );
    const tokenFn = ofTypeIn(strict.resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('TokenFunction'))!;
    expect(tokenFn[1].Properties.Environment.Variables).toMatchObject({
      REQUIRE_EMAIL_VERIFICATION: 'false',
      SIGNUP_IP_MAX_PER_HOUR: '3',
    });
  });
});

describe('AuthStack: adopting a restored table (adoptTableName)', () => {
  const adopted = synth({ adoptTableName: 'auth-restored-20261130' }, { bundle: false });
  const all = Object.entries(adopted.resources);

  test('makes no table of its own and points every function, grant and output at the restored one', () => {
    expect(all.filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable')).toEqual([]);
    const fns = all.filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const withTable = fns.filter(([, r]) => r.Properties.Environment?.Variables?.TABLE_NAME !== undefined);
    expect(withTable.length).toBeGreaterThan(10);
    for (const [, r] of withTable) expect(r.Properties.Environment.Variables.TABLE_NAME).toBe('auth-restored-20261130');
    const dynamo = all
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(10);
    for (const st of dynamo)
      expect(JSON.stringify(st.Resource)).toMatch(/table\/auth-restored-20261130(\/index\/gsi1)?"/);
    expect(adopted.template.findOutputs('TableName').TableName.Value).toBe('auth-restored-20261130');
  });

  test('refuses a name DynamoDB would not take', () => {
    expect(() => synth({ adoptTableName: 'no spaces allowed' }, { bundle: false })).toThrow(
      'context adoptTableName must be a DynamoDB table name',
    );
  });
});
