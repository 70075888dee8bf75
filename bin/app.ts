/** The CDK app (`npx cdk synth`, `npx cdk deploy`): lib/app.ts builds it from CDK context. */
import { buildApp } from '../lib/app';

buildApp().app.synth();
