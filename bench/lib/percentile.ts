/** Nearest-rank percentile (0–100) of an ascending list; NaN for an empty one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** p50, p95 and max of some samples (any order), rounded to whole units, with their count. */
export function summary(samples: readonly number[]): { p50: number; p95: number; max: number; count: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(sorted, 50)),
    p95: Math.round(percentile(sorted, 95)),
    max: Math.round(sorted.at(-1) ?? Number.NaN),
    count: sorted.length,
  };
}
