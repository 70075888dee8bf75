/** Every log line this test file has written so far (test/support/capture-logs.ts keeps them). */
export const logLines = (): string[] => (globalThis as { __logLines?: string[] }).__logLines!;

/** The structured (JSON) log lines so far, parsed; other lines are left out. */
export const loggedJson = (lines: string[] = logLines()): Record<string, unknown>[] =>
  lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
