/**
 * Runs before every test file. The handlers' logger (Powertools, in dev mode) writes through the
 * global console; we keep every line in memory instead of printing it (DEBUG_LOGS=1 prints too),
 * and after each file fail if any line holds a token, a cookie value, an Authorization header or
 * a known test password.
 */
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL ||= 'INFO';
// Powertools turns metrics off in dev mode; deployed functions write them (EMF lines), so the tests do too.
process.env.POWERTOOLS_METRICS_DISABLED ||= 'false';

const lines: string[] = [];
(globalThis as { __logLines?: string[] }).__logLines = lines;

for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    if (process.env.DEBUG_LOGS) original(...args);
  };
}

/** Strings that must never appear in a log line. Tests add the passwords they use. */
export const SECRETS_NEVER_LOGGED: (string | RegExp)[] = [
  /eyJ[\w-]+\.eyJ[\w-]*\.[\w-]*/, // any JWT
  /refresh_token=/i,
  /bearer\s+\S/i,
  /authorization["']?\s*[:=]/i, // an Authorization header, dumped (not the authorization_code_* events)
  /\$2[aby]\$\d\d\$/, // a bcrypt hash
  /token=[\w-]{43}\b/, // a reset or verification link's token
  /\b(secret2|pw-[a-z]+|hunter2|other-password|correct horse battery staple|guess)\b/, // passwords the tests use
];

afterAll(() => {
  const leaks = lines.filter((line) =>
    SECRETS_NEVER_LOGGED.some((s) => (typeof s === 'string' ? line.includes(s) : s.test(line))),
  );
  expect(leaks).toEqual([]);
});
