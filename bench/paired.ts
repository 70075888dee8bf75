/**
 * Paired measurements, as a scientist would take them on a shared machine: each sample of A is taken
 * beside a sample of B, in random order within the pair, so that both see the same moment of the
 * machine; the verdict is the median of the pairwise ratios, with a bootstrap 95 % interval.
 */

/** The median of the ratios and a bootstrap 95 % interval of it (percentile method, 2000 resamples). */
export interface RatioSummary {
  median: number;
  low: number;
  high: number;
  pairs: number;
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Summarizes pairwise ratios: their median and its bootstrap 95 % interval. */
export function summarizeRatios(ratios: number[], resamples = 2000): RatioSummary {
  const boots = Array.from({ length: resamples }, () =>
    medianOf(Array.from(ratios, () => ratios[Math.floor(Math.random() * ratios.length)])),
  ).sort((p, q) => p - q);
  return {
    median: medianOf(ratios),
    low: boots[Math.floor(resamples * 0.025)],
    high: boots[Math.ceil(resamples * 0.975) - 1],
    pairs: ratios.length,
  };
}

/** The ratios of pairs of samples (a / b), the pair's order drawn at random each time. */
export async function pairs(
  n: number,
  a: (i: number) => Promise<number> | number,
  b: (i: number) => Promise<number> | number,
): Promise<{ a: number[]; b: number[]; ratios: number[] }> {
  const out = { a: [] as number[], b: [] as number[], ratios: [] as number[] };
  for (let i = 0; i < n; i++) {
    let x: number;
    let y: number;
    if (Math.random() < 0.5) {
      x = await a(i);
      y = await b(i);
    } else {
      y = await b(i);
      x = await a(i);
    }
    out.a.push(x);
    out.b.push(y);
    out.ratios.push(x / y);
  }
  return out;
}

/**
 * How a median ratio fares against a target (at most `target`): met or missed on the median, and
 * whether the interval straddles the target, in which case this run cannot tell (more pairs, or a
 * quieter machine, would).
 */
export function judge(s: RatioSummary, target: number): { met: boolean; undecided: boolean } {
  return { met: s.median <= target, undecided: s.low <= target && target < s.high };
}

/** `1.043 [1.012, 1.071]` */
export const formatRatio = (s: RatioSummary) => `${s.median.toFixed(3)} [${s.low.toFixed(3)}, ${s.high.toFixed(3)}]`;
