import { describe, expect, it } from 'vitest';
import { percentile, summary } from './percentile.ts';

describe('percentile', () => {
  it('is the nearest rank: the smallest sample with at least p % of the samples at or below it', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(twenty, 50)).toBe(10);
    expect(percentile(twenty, 95)).toBe(19);
    expect(percentile(twenty, 100)).toBe(20);
    expect(percentile(twenty, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted samples without reordering them', () => {
    const samples = [900.4, 120, 310.6, 95];
    expect(summary(samples)).toEqual({ p50: 120, p95: 900, max: 900, count: 4 });
    expect(samples).toEqual([900.4, 120, 310.6, 95]);
  });
});
