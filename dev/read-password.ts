import { createInterface } from 'node:readline';

/**
 * Reads a password without echoing it on a terminal; from a pipe, the first line of stdin.
 * Only the trailing newline is removed: spaces are part of a password.
 */
export function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return new Promise((resolve) => {
      const rl = createInterface({ input: stdin });
      let answered = false;
      rl.once('line', (line) => {
        answered = true;
        rl.close();
        resolve(line.replace(/\r$/, ''));
      });
      rl.once('close', () => answered || resolve(''));
    });
  }
  return new Promise((resolve) => {
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          process.stderr.write('\n');
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
