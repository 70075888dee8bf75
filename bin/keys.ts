/** `npm run keys -- replace --yes`: the signing keys' emergency lever (dev/keys-cli.ts; `--help` says more). */
import { KeysUsageError, runKeysCli } from '../dev/keys-cli';

runKeysCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    // An operator's mistake: the message alone. Anything else: its name (an SDK's message may echo parameters).
    console.error(err instanceof KeysUsageError ? err.message : `keys: ${err.name}: ${err.message.split('\n')[0]}`);
    process.exit(err instanceof KeysUsageError ? 2 : 1);
  },
);
