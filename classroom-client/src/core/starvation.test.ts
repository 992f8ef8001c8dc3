import { describe, expect, it } from 'vitest';
import { isStarved, notStarved, observeCounters, type MediaCounters, type StarvationState } from './starvation.ts';

/** Feeds readings every 2 s: `fps` decoded frames a second, `audio` whether packets arrived in that step. */
function run(steps: { fps: number; audio: boolean }[], start: StarvationState = notStarved): StarvationState {
  let state = observeCounters(start, { at: 0, videoFrames: 0, audioPackets: 0 });
  let counters: MediaCounters = state.last!;
  for (const step of steps) {
    counters = { at: counters.at + 2000, videoFrames: counters.videoFrames + step.fps * 2, audioPackets: counters.audioPackets + (step.audio ? 100 : 0) };
    state = observeCounters(state, counters);
  }
  return state;
}

const starvedStep = { fps: 2, audio: true };

describe('video starvation', () => {
  it('is reported after 10 s below 5 fps while audio arrives', () => {
    expect(isStarved(run(Array(4).fill(starvedStep)))).toBe(false); // 8 s
    expect(isStarved(run(Array(5).fill(starvedStep)))).toBe(true); // 10 s
  });

  it('is not reported while video flows', () => {
    expect(isStarved(run(Array(10).fill({ fps: 25, audio: true })))).toBe(false);
  });

  it('restarts the clock when video recovers for a moment', () => {
    expect(isStarved(run([...Array(4).fill(starvedStep), { fps: 20, audio: true }, ...Array(4).fill(starvedStep)]))).toBe(false);
  });

  it('is not reported when audio stops too (the link is down; reconnecting handles that)', () => {
    expect(isStarved(run(Array(8).fill({ fps: 0, audio: false })))).toBe(false);
  });

  it('treats counters that went back (a new consumer) as a fresh start', () => {
    const starved = run(Array(5).fill(starvedStep));
    expect(isStarved(observeCounters(starved, { at: starved.last!.at + 2000, videoFrames: 3, audioPackets: 50 }))).toBe(false);
  });
});
