import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import type { TableAccess, UserAccess } from '../functions/routes';
import { tableStatements } from './table-grants';
import { TABLE } from '../functions/store/schema';
import { acknowledgeControl } from './compliance';

const pascal = (name: string) => name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());

/** The construct id of a function, by its name, as `sam local invoke` names it (`token` -> `TokenFunction`). */
export const functionId = (name: string) => `${pascal(name)}Function`;

export interface RouteFunctionProps {
  /** The function's name (a route's `name` in functions/routes.ts): its role's description says it. */
  name: string;
  /** Its handler file, from the project root, exporting `handler`. */
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  logLevel: keyof typeof ApplicationLogLevel;
  /** The KMS key of every log group (the encryptLogs context); CloudWatch Logs' own keys when absent. */
  logsKey?: IKey;
  /** X-Ray active tracing, and Powertools Tracer bundled (the tracing context); neither when false. */
  tracing?: boolean;
  /** Lazy migration's Lambda client and look-alike table bundled (the legacyMigrationFunction context). */
  legacyMigration?: boolean;
  /** The EventBridge client bundled (an event bus, unless the eventBus context is `none`). */
  events?: boolean;
}

/**
 * One Lambda function of the API (a route's, an authorizer's, the signing keys'): Node.js 24 on
 * arm64, bundled by esbuild, with a role and a log group of its own. The role starts with nothing
 * but writing to that log group; the grant methods add exactly what the function needs. The log
 * group and role are created beside the function (not inside it) so their logical ids stay those of
 * the stack's first release.
 */
export class RouteFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: RouteFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: props.logsKey,
    });
    acknowledgeLogSettings(logGroup, props);
    // A role of our own instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.name} route`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      // cdk (and jest) run from the project root, where cdk.json is; __dirname does not exist in ESM.
      entry: join(process.cwd(), props.entry),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[props.logLevel],
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: props.environment,
      description: props.description,
      tracing: props.tracing ? Tracing.ACTIVE : undefined,
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node24',
        format: OutputFormat.CJS,
        // The SDK's ES modules tree-shake far better than its CJS builds: 449 KB instead of 645 KB
        // for /users/me, and ~15 ms less module load at cold start (npm run bench).
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK (AWS's recommendation): a pinned, tree-shaken copy loads faster than the runtime's.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        // A constant, so that without tracing esbuild drops the tracer and the X-Ray SDK from the
        // bundle (functions/http/tracing.ts).
        // Likewise, without lazy migration it drops the Lambda client (functions/store/legacy-lookup.ts),
        // and without an event bus the EventBridge client (functions/http/events.ts).
        define: {
          'process.env.AUTH_API_EVENTS': JSON.stringify(String(props.events === true)),
          'process.env.AUTH_API_TRACING': JSON.stringify(String(props.tracing === true)),
          'process.env.AUTH_API_LEGACY': JSON.stringify(String(props.legacyMigration === true)),
        },
      },
    });
    if (props.tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing (the tracing context): xray:PutTraceSegments and xray:PutTelemetryRecords, which CDK ' +
          'grants with it, have no resource-level form in IAM; they write trace data and read nothing.',
      });
    }
    // Outside a VPC on purpose (docs/compliance.md).
    acknowledgeControl(this, 'lambdaVpc');
  }

  /**
   * Exactly these DynamoDB actions, each on the item kinds the route table names for it, each
   * statement with `dynamodb:LeadingKeys` (ForAllValues, because one BatchGetItem reads items of
   * several kinds and every key must match) and `dynamodb:Attributes` (the attributes those kinds may
   * show this function: never a user's password hash unless it checks passwords, and only the user
   * attributes it writes), reads held to `dynamodb:Select` SPECIFIC_ATTRIBUTES and writes of user
   * items to ReturnValues that return no hash (lib/table-grants.ts). Query runs on the sessions
   * index alone, whose partition key (`USER#<username>`) is what the condition sees.
   */
  grantTable(table: ITableV2, access: TableAccess, user?: UserAccess): void {
    const index = `${table.tableArn}/index/${TABLE.userSessionsIndex}`;
    for (const statement of tableStatements(access, user)) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: statement.actions.map((action) => `dynamodb:${action}`),
          resources: [statement.index ? index : table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': statement.prefixes.map((p) => `${p}*`) },
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': statement.attributes },
            ...(statement.read ? { StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } } : {}),
            ...(statement.returnValues
              ? { StringEqualsIfExists: { 'dynamodb:ReturnValues': [...statement.returnValues] } }
              : {}),
          },
        }),
      );
    }
  }

  /** Reading this one secret's value (no other secret, no describe or list). */
  grantSecretValue(secret: ISecret): void {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
  }
}

/** The Control Tower log controls a log group does not meet with these settings, acknowledged with why. */
export function acknowledgeLogSettings(
  logGroup: Construct,
  { logRetention, logsKey }: { logRetention: RetentionDays; logsKey?: IKey },
): void {
  // RetentionDays.INFINITE is 9999: kept for ever passes the control too.
  if (logRetention < 365) acknowledgeControl(logGroup, 'logRetention');
  if (!logsKey) acknowledgeControl(logGroup, 'logEncryption');
}
