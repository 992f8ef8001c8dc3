import { describe, expect, it } from 'vitest';
import { runSweep, type FanoutTarget } from './fanout-sweep.ts';

/** A target with no SFU behind it that records what the sweep asked of it and can fail on cue. */
function target(failOn: { start?: number; viewersAbove?: number }) {
  const calls: string[] = [];
  let starts = 0;
  let viewers = 0;
  const t: FanoutTarget = {
    name: 'test',
    async start() {
      starts++;
      calls.push('start');
      viewers = 0;
      if (failOn.start === starts) throw new Error('start failed');
    },
    async addViewers(count) {
      calls.push(`add ${count}`);
      viewers += count;
      if (failOn.viewersAbove !== undefined && viewers > failOn.viewersAbove) throw new Error('out of ports');
    },
    sfuPids: () => [],
    async stop() {
      calls.push('stop');
    },
  };
  return { target: t, calls };
}

const quick = { warmupSeconds: 0, windowSeconds: 0.05 };

describe('runSweep', () => {
  it('adds viewers step by step and stops the target once at the end', async () => {
    const { target: t, calls } = target({});
    const result = await runSweep(t, { steps: [10, 20, 40], ...quick });
    expect(calls).toEqual(['start', 'add 10', 'add 10', 'add 20', 'stop']);
    expect(result.points.map((p) => p.viewers)).toEqual([10, 20, 40]);
    expect(result).toMatchObject({ viewersPerCore: 40, limitedBy: 'none' });
  });

  it('keeps the points measured before a target throws, and still stops it', async () => {
    const { target: t, calls } = target({ viewersAbove: 15 });
    const result = await runSweep(t, { steps: [10, 20, 40], ...quick });
    expect(calls).toEqual(['start', 'add 10', 'add 10', 'stop']);
    expect(result.points.map((p) => p.viewers)).toEqual([10]);
    expect(result.aborted).toBe('out of ports');
  });

  it('rejects when nothing could be measured, after stopping the target', async () => {
    const { target: t, calls } = target({ start: 1 });
    await expect(runSweep(t, { steps: [10], ...quick })).rejects.toThrow('start failed');
    expect(calls).toEqual(['start', 'stop']);
  });
});
