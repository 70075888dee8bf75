import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { protectedRoutes } from '../../functions/protected-routes';
import { fallbackHandler, otherFunctions, routes } from '../../functions/routes';
import { buildApp } from '../../lib/app';
import { functionId } from '../../lib/route-function';

/**
 * How the infra tests synthesize. A synth costs about 2 s; bundling the 18 functions with esbuild
 * adds about 13 s, and AWS Control Tower's rules (cfn-guard) about 11 s. So a test bundles only when
 * it reads the bundles (the bundles differ between configurations only by the tracing switch, and
 * both are built), and runs the Control Tower rules only when they are what it checks.
 * `npm run test:exhaustive` (CI runs it) sets AUTH_API_EXHAUSTIVE_SYNTH=1: every synth then runs
 * every check, as `npx cdk synth` does, so no configuration escapes them.
 */
export const EXHAUSTIVE = process.env.AUTH_API_EXHAUSTIVE_SYNTH === '1';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, asserted by shape
export type Resources = Record<string, { Type: string; Properties: any; Metadata?: any; DeletionPolicy?: string }>;

/** Every account feature on, so that every route is deployed. */
export const ACCOUNTS = {
  emailFrom: 'no-reply@example.com',
  passwordResetUrl: 'https://app.example.com/reset-password',
  allowSignup: 'true',
  emailVerifyUrl: 'https://app.example.com/verify-email',
  webauthnRpId: 'example.com',
  dynamicClientRegistration: 'true',
};

export interface SynthOptions {
  /** Bundle the functions (a test that reads their code). */
  bundle?: boolean;
  /** Run AWS Control Tower's rules (a test about them); cdk-nag always runs. */
  controlTower?: boolean;
  /** Where the cloud assembly goes (a test that reads the bundles from it). */
  outdir?: string;
}

/** A CDK app for the infra tests, with the stack's context, bundling only when asked. */
export function testApp(context: Record<string, unknown> = {}, { bundle = false, outdir }: SynthOptions = {}): App {
  return new App({
    outdir,
    context: {
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:enable-path-metadata': true,
      ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
}

/** lib/app.ts's app on `app`, with the Control Tower rules only when asked (or exhaustive). */
export function build(app: App, { controlTower = false }: SynthOptions = {}) {
  return buildApp(app, { controlTower: controlTower || EXHAUSTIVE });
}

/** The deployable stack with this context, synthesized (cdk-nag, and Control Tower when asked, run). */
export function synth(context: Record<string, unknown> = {}, options: SynthOptions = {}) {
  const built = build(testApp(context, options), options);
  const template = Template.fromStack(built.stack);
  return { ...built, template, resources: template.toJSON().Resources as Resources };
}

/**
 * Every function of the default stack with every account feature: one per route, the catch-all, the
 * signing keys', the session authorizer, the mail worker, the example routes.
 */
export const ALL_FUNCTIONS = [
  ...routes.map((r) => r.name),
  fallbackHandler,
  ...Object.keys(otherFunctions).filter((name) => name !== fallbackHandler),
  ...protectedRoutes.map((r) => r.name),
];

export interface DynamoStatement {
  actions: string[];
  prefixes: string[];
  attributes: string[];
  condition: Record<string, Record<string, string | string[]>>;
}

/** Lookups in a synthesized template: resources by type, a function by name, what its role may do. */
export function inspect(resources: Resources) {
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const fnLogicalId = (name: string) => {
    const found = ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith(functionId(name)));
    expect(found).toHaveLength(1);
    return found[0][0];
  };
  /** Every policy statement of the role of a function. */
  const statementsOf = (name: string) => {
    const roleRef = resources[fnLogicalId(name)].Properties.Role['Fn::GetAtt'][0];
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleRef))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  };
  /** All IAM actions granted to the role of a function. */
  const actionsOf = (name: string): string[] =>
    statementsOf(name).flatMap((s: { Action: string | string[] }) => [s.Action].flat());
  /**
   * The DynamoDB statements of a function's role: actions, the LeadingKeys patterns and the attributes
   * they are bound to, and the whole condition block.
   */
  const dynamoStatementsOf = (name: string): DynamoStatement[] =>
    statementsOf(name)
      .filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')))
      .map((s: { Action: string | string[]; Condition: Record<string, Record<string, string | string[]>> }) => ({
        actions: [s.Action].flat(),
        prefixes: [s.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys']].flat(),
        attributes: [s.Condition['ForAllValues:StringEquals']?.['dynamodb:Attributes'] ?? []].flat(),
        condition: s.Condition,
      }));
  return { ofType, fnLogicalId, statementsOf, actionsOf, dynamoStatementsOf };
}
