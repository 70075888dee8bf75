/**
 * The EMF lines (CloudWatch embedded metric format) the handlers wrote, as test/support/capture-logs.ts
 * keeps them: how the integration tests read the metrics lib/monitoring.ts alarms and graphs on.
 */

/** The namespace lib/monitoring.ts alarms on (spelled out: importing the module would create its Metrics too early). */
const METRICS_NAMESPACE = 'AuthApi';

export interface Emf {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

/** The EMF lines written since `before`, parsed. */
export function emfSince(before: number): Emf[] {
  const lines = (globalThis as { __logLines?: string[] }).__logLines!.slice(before);
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line);
      return parsed?._aws?.CloudWatchMetrics ? [parsed as Emf] : [];
    } catch {
      return [];
    }
  });
}
export const logCount = () => (globalThis as { __logLines?: string[] }).__logLines!.length;

/** metric name -> total count in these lines (checking every line's namespace, unit and dimensions). */
export function metricCounts(lines: Emf[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    for (const directive of line._aws.CloudWatchMetrics) {
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      expect(directive.Dimensions).toEqual([['service']]);
      for (const m of directive.Metrics) {
        expect(m.Unit).toBe('Count');
        out[m.Name] = (out[m.Name] ?? 0) + Number(line[m.Name]);
      }
    }
    expect(line.service).toBe('auth-api');
  }
  return out;
}
