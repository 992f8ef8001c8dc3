import { describe, expect, it } from 'vitest';
import { RecordingClock, concatEntries, concatScript, endAtResumption, planTrack, type PlannedRun } from './timeline.ts';

const T0 = 1_800_000_000_000;
const seg = (file: string, startS: number, length: number, ok = true) => ({ file, wallStartMs: T0 + startS * 1000, length, ok });

describe('recording timeline', () => {
  it('maps wall time to recording time with pauses cut out', () => {
    const clock = new RecordingClock(T0, [{ fromMs: T0 + 10_000, toMs: T0 + 25_000 }]);
    expect(clock.toSeconds(T0 + 5_000)).toBe(5);
    expect(clock.toSeconds(T0 + 12_000)).toBe(10); // inside the pause → where it began
    expect(clock.toSeconds(T0 + 30_000)).toBe(15);
  });

  it('places contiguous segments back to back and lists nothing', () => {
    const plan = planTrack([{ crashed: false, segments: [seg('a', 0.2, 4), seg('b', 4.2, 4), seg('c', 8.2, 1.5)] }], new RecordingClock(T0, []));
    expect(concatEntries(plan.placed).map((e) => [e.file, e.at, e.duration])).toEqual([
      ['a', 0.2, 4],
      ['b', 4.2, 4],
      ['c', 8.2, 1.5],
    ]);
    expect(plan.gaps).toEqual([]);
    expect(plan.end).toBeCloseTo(9.7);
  });

  it('keeps the hole after a crash as time and lists it as a gap', () => {
    const runs: PlannedRun[] = [
      { crashed: true, segments: [seg('a', 0, 4), seg('b', 4, 2.1)] },
      { crashed: false, segments: [seg('c', 7.6, 4)] },
    ];
    const plan = planTrack(runs, new RecordingClock(T0, []));
    expect(concatEntries(plan.placed).map((e) => e.duration)).toEqual([4, 3.6, 4]);
    expect(plan.gaps).toEqual([{ fromSeconds: 6.1, toSeconds: 7.6, reason: 'recorder restarted' }]);
  });

  it('lists what a crashed last run never delivered before the recording ended', () => {
    const runs: PlannedRun[] = [{ crashed: true, segments: [seg('a', 0, 4), seg('b', 4, 2.1)] }];
    expect(planTrack(runs, new RecordingClock(T0, []), 10).gaps).toEqual([{ fromSeconds: 6.1, toSeconds: 10, reason: 'recorder down at lesson end' }]);
    // A run that ended cleanly (its producer went away) lost nothing.
    expect(planTrack([{ ...runs[0]!, crashed: false }], new RecordingClock(T0, []), 10).gaps).toEqual([]);
  });

  it('lists the rest of a track whose tap went with its SFU node, until the same output resumes elsewhere', () => {
    const runs: PlannedRun[] = [{ crashed: false, segments: [seg('a', 0, 4), seg('b', 4, 2.1)] }];
    const [gap] = planTrack(runs, new RecordingClock(T0, []), 10, 'SFU node lost').gaps;
    expect(gap).toEqual({ fromSeconds: 6.1, toSeconds: 10, reason: 'SFU node lost' });
    // The publisher came back on another node as a new producer at 8 s: the loss ends there.
    expect(endAtResumption(gap!, [{ file: 'c', at: 8, length: 2 }])).toEqual({ fromSeconds: 6.1, toSeconds: 8, reason: 'SFU node lost' });
    expect(endAtResumption(gap!, [{ file: 'c', at: 6.2, length: 2 }])).toBeUndefined();
  });

  it('drops a segment that failed verification and lists its stretch', () => {
    const plan = planTrack([{ crashed: false, segments: [seg('a', 0, 4), seg('b', 4, 4, false), seg('c', 8, 4)] }], new RecordingClock(T0, []));
    const entries = concatEntries(plan.placed);
    expect(entries.map((e) => e.file)).toEqual(['a', 'c']);
    expect(entries[0]!.duration).toBe(8);
    expect(plan.gaps).toEqual([{ fromSeconds: 4, toSeconds: 8, reason: 'segment failed verification' }]);
  });

  it('writes a concat script whose durations keep the holes', () => {
    const script = concatScript([{ file: "/w/it's.mkv", duration: 2.5 }]);
    expect(script).toBe("ffconcat version 1.0\nfile '/w/it'\\''s.mkv'\noption analyzeduration 0\noption probesize 32\nduration 2.500000\n");
  });

  it('uses a cleanly ended run as one file, and its segments when any of them failed', () => {
    const clock = new RecordingClock(T0, []);
    const clean = planTrack([{ crashed: false, whole: 'run.mkv', segments: [seg('a', 0.5, 8), seg('b', 8.5, 3)] }], clock);
    expect(clean.placed).toEqual([{ file: 'run.mkv', at: 0.5, length: 11 }]);
    const damaged = planTrack([{ crashed: false, whole: 'run.mkv', segments: [seg('a', 0.5, 8, false), seg('b', 8.5, 3)] }], clock);
    expect(damaged.placed.map((p) => p.file)).toEqual(['b']);
  });
});
