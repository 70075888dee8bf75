/** `npm run users -- <command>`: user admin (dev/users-cli.ts; `--help` lists the commands). */
import { describeFailure, runUsersCli } from '../dev/users-cli';

runUsersCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const { message, code } = describeFailure(err);
    console.error(message);
    process.exit(code);
  },
);
