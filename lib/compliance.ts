import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  type IAspect,
  type IPolicyValidationContextBeta1,
  type RemovalPolicy,
  type IPolicyValidationPluginBeta1,
  type PolicyValidationPluginReportBeta1,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import type { Construct, IConstruct } from 'constructs';

/**
 * The AWS Control Tower proactive controls this stack does not meet on purpose, each acknowledged on
 * the construct it concerns with the reason (docs/compliance.md). `npx cdk synth` runs the controls
 * (lib/app.ts); any finding not fixed or acknowledged here fails it.
 */
const GUARD = 'cdk-validator-cfnguard::';

export const CONTROL_TOWER = {
  /** CT.APIGATEWAY.PR.5: every HTTP API route names an authorization type. */
  routeAuthorization: `${GUARD}api_gw_v2_authorization_type_configured_check`,
  /** CT.CLOUDWATCH.PR.2: log groups kept at least 365 days. */
  logRetention: `${GUARD}cloudwatch_log_group_retention_period_check`,
  /** CT.CLOUDWATCH.PR.3: log groups encrypted with a KMS key. */
  logEncryption: `${GUARD}cloudwatch_log_group_encrypted_check`,
  /** CT.LAMBDA.PR.2: function policies not public (a `SourceArn` or `SourceAccount` the rule can read). */
  lambdaPolicy: `${GUARD}lambda_function_public_access_prohibited_check`,
  /** CT.SQS.PR.1: every queue has a dead-letter queue. */
  deadLetters: `${GUARD}sqs_dlq_check`,
  /** CT.LAMBDA.PR.3: functions in a customer VPC. */
  lambdaVpc: `${GUARD}lambda_inside_vpc_check`,
} as const;

const REASONS = {
  routeAuthorization:
    'A route of the authentication API itself: logging in, refreshing, discovery and the account routes must be ' +
    'reachable without a token, and the Bearer routes verify the token and its session in the function (an API ' +
    "Gateway authorizer could not check revocation). A team's own routes get the JWT or the session authorizer.",
  logRetention:
    'Retention is the logRetentionDays context, 30 days by default: these logs hold source IPs, user agents and ' +
    'usernames, personal data kept no longer than needed to investigate an incident (GDPR data minimisation). ' +
    'An organisation that must keep them a year sets logRetentionDays=365 (or more), and this control then passes.',
  logEncryption:
    'CloudWatch Logs encrypts every log group at rest with keys it manages; a key of your own adds control over who ' +
    'may decrypt, for $1 a month and per-request charges. The encryptLogs=true context creates one (rotated yearly, ' +
    'usable by CloudWatch Logs for this account and region only) and this control then passes.',
  lambdaPolicy:
    "API Gateway's permission to invoke a function names this API in its SourceArn " +
    '(arn:...:execute-api:<region>:<account>:<api-id>/*/<method>/<path>), which CloudFormation can only build with ' +
    'Fn::Join, and the rule reads neither that nor a SourceAccount given as a Ref. In a stack with an explicit ' +
    'account (env.account, in your own CDK app) the permission also carries it as a literal SourceAccount and ' +
    'passes. Either way nothing but this API may invoke the function.',
  deadLetters:
    'This queue is the dead-letter queue of the mail queue: an operator looks at what it holds ' +
    '(docs/operations.md "Runbook") and moves it back; a dead-letter queue of its own would only hide those jobs ' +
    'one step further away.',
  lambdaVpc:
    'The functions call only AWS APIs (DynamoDB, Secrets Manager, SQS, SES), over TLS and IAM-authorised; ' +
    'a VPC would ' +
    'add interface endpoints (about $7 a month each per AZ, four of them) or a NAT gateway, plus cold-start latency, ' +
    'and protect nothing these calls need (docs/compliance.md).',
} as const;

/** Acknowledges `rule` on `scope` (and what it contains) with its reason. */
export function acknowledgeControl(scope: IConstruct, rule: keyof typeof CONTROL_TOWER): void {
  Validations.of(scope).acknowledge({ id: CONTROL_TOWER[rule], reason: REASONS[rule] });
}

/**
 * `@cdklabs/cdk-validator-cfnguard` with every finding marked an error. The plugin reports its
 * findings with no severity, and once CDK has set some aside as acknowledged it recomputes the
 * report's success from the severities of what is left: findings without one would then pass (found
 * by trying: an unacknowledged log group synthesized without a word). test/infra/control-tower.test.ts
 * proves an unacknowledged finding fails the synth.
 */
export class ControlTowerChecks implements IPolicyValidationPluginBeta1 {
  private readonly guard = new CfnGuardValidator();
  readonly name = this.guard.name;
  readonly version = this.guard.version;
  readonly ruleIds = this.guard.ruleIds;

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.guard.validate(context);
    return { ...report, violations: report.violations.map((v) => ({ ...v, severity: v.severity ?? 'error' })) };
  }
}

/**
 * A KMS key as AWS Control Tower wants one: rotated yearly (CT.KMS.PR.1) and whose grants may only
 * be created for AWS services acting for this account (CT.KMS.PR.3).
 */
export function compliantKey(scope: Construct, id: string, description: string, removalPolicy: RemovalPolicy): Key {
  const key = new Key(scope, id, { description, enableKeyRotation: true, removalPolicy });
  key.addToResourcePolicy(
    new PolicyStatement({
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
  return key;
}

/**
 * The log groups' KMS key (the encryptLogs context): rotated yearly, and usable by CloudWatch Logs
 * for this account's log groups in this region only (the key policy CloudWatch Logs documents).
 */
export function logsKey(scope: Construct, removalPolicy: RemovalPolicy): Key {
  const key = compliantKey(scope, 'LogsKey', 'Encrypts the auth API log groups', removalPolicy);
  const { region, account, partition } = Stack.of(scope);
  key.addToResourcePolicy(
    new PolicyStatement({
      principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
      },
    }),
  );
  return key;
}

/**
 * API Gateway's permissions to invoke the API's functions: `SourceAccount` as a literal when the
 * stack's account is known (CT.LAMBDA.PR.2 then passes), else the control acknowledged with why.
 */
export class InvokePermissionsNameTheAccount implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnPermission) || node.principal !== 'apigateway.amazonaws.com') return;
    const { account } = Stack.of(node);
    if (!Token.isUnresolved(account)) node.sourceAccount ??= account;
    else acknowledgeControl(node, 'lambdaPolicy');
  }
}
