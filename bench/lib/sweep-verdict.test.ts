import { describe, expect, it } from 'vitest';
import { passes, refineTarget, verdict, type SweepPoint } from './sweep-verdict.ts';

const point = (viewers: number, cpuPct: number, lossPct = 0, packetsPerSec = viewers * 200): SweepPoint => ({
  viewers,
  cpuPct,
  lossPct,
  packetsPerSec,
  latencyP50Ms: 0.5,
  latencyP99Ms: 1,
  benchCpuPct: 30,
});

describe('passes', () => {
  it('fails above 85 % CPU or above 0.1 % loss, inclusive limits pass', () => {
    expect(passes(point(100, 85, 0.1))).toBe(true);
    expect(passes(point(100, 85.1))).toBe(false);
    expect(passes(point(100, 40, 0.11))).toBe(false);
  });
});

describe('refineTarget', () => {
  it('is halfway between the last pass and the first failure', () => {
    expect(refineTarget([point(50, 20), point(100, 45), point(150, 90)])).toBe(125);
  });

  it('measures below the first step when even that failed', () => {
    expect(refineTarget([point(50, 95)])).toBe(25);
  });

  it('is undefined when nothing failed or no whole count lies between', () => {
    expect(refineTarget([point(50, 20), point(100, 45)])).toBeUndefined();
    expect(refineTarget([point(100, 80), point(101, 90)])).toBeUndefined();
  });
});

describe('verdict', () => {
  it('takes the highest pass below the first failure and its packets per core', () => {
    const v = verdict([point(50, 20), point(100, 40, 0, 20_000), point(150, 90), point(125, 80, 0, 25_000)]);
    expect(v).toEqual({ viewersPerCore: 125, packetsPerSecPerCore: 31_250, limitedBy: 'cpu' });
  });

  it('names loss as the limit when the failing step lost packets under the CPU limit', () => {
    expect(verdict([point(50, 20), point(100, 60, 0.5)])).toMatchObject({ viewersPerCore: 50, limitedBy: 'loss' });
  });

  it('does not count a noisy pass above the first failure', () => {
    expect(verdict([point(50, 20), point(100, 90), point(125, 84)]).viewersPerCore).toBe(50);
  });

  it('reports 0 when nothing passed and a lower bound when everything did', () => {
    expect(verdict([point(50, 95), point(25, 90)])).toEqual({ viewersPerCore: 0, packetsPerSecPerCore: 0, limitedBy: 'cpu' });
    expect(verdict([point(50, 20), point(100, 40)])).toMatchObject({ viewersPerCore: 100, limitedBy: 'none' });
  });
});
