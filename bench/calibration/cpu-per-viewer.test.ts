import { describe, expect, it } from 'vitest';
import { cpuPerViewer } from './cpu-per-viewer.ts';

describe('cpuPerViewer', () => {
  it('is the cost of each added viewer on top of the idle reading', () => {
    const points = [4, 8, 12].map((viewers) => ({ viewers, cpuPct: 0.5 + 0.25 * viewers }));
    expect(cpuPerViewer(0.5, points)).toBeCloseTo(0.25, 10);
  });

  it('fits noisy readings by least squares rather than trusting the last one', () => {
    const points = [
      { viewers: 5, cpuPct: 3 },
      { viewers: 10, cpuPct: 5 },
      { viewers: 15, cpuPct: 9 },
    ];
    // x: 0 5 10 15 (mean 7.5), y: 1 3 5 9 (mean 4.5): Σxy' = 7.5·3.5 + 2.5·1.5 + 2.5·0.5 + 7.5·4.5 = 65, Σx'² = 125
    expect(cpuPerViewer(1, points)).toBeCloseTo(65 / 125, 10);
  });
});
