/** `npm run clients -- <command>`: the OAuth client registry (dev/clients-cli.ts; `--help` lists the commands). */
import { describeClientsFailure, runClientsCli } from '../dev/clients-cli';

runClientsCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const { message, code } = describeClientsFailure(err);
    console.error(message);
    process.exit(code);
  },
);
