/** Least-squares slope of SFU CPU against viewers, the no-viewer reading included: the CPU each added viewer costs. */
export function cpuPerViewer(idlePct: number, points: readonly { viewers: number; cpuPct: number }[]): number {
  const xs = [0, ...points.map((p) => p.viewers)];
  const ys = [idlePct, ...points.map((p) => p.cpuPct)];
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxy = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0);
  const sxx = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  return sxy / sxx;
}
