/** The CDK app (`npx cdk synth`, `npx cdk deploy`): lib/app.ts builds it from CDK context. */
import { buildApp } from '../lib/app';

try {
  buildApp().app.synth();
} catch (err) {
  // A bad setting is the user's to fix: its message names the context key; a stack trace would bury it.
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
