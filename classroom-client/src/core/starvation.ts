/**
 * Is the large video starving while sound still gets through? Then the link carries audio but not even the lowest
 * video layer, and 仅音频+课件 would give the lesson back its sound and courseware without the stutter. Fed with
 * cumulative counters a few seconds apart; pure, so the rule is tested without a browser.
 */

/** One reading: decoded frames of the large video and received audio packets (both cumulative), at `at` ms. */
export interface MediaCounters {
  readonly at: number;
  readonly videoFrames: number;
  readonly audioPackets: number;
}

export interface StarvationState {
  readonly last: MediaCounters | null;
  /** When the current starved stretch began (ms), or null while video flows (or audio stops too). */
  readonly since: number | null;
}

/** Below 5 decoded frames a second for 10 s: a slide show, not video. */
const STARVED_BELOW_FPS = 5;
export const STARVED_FOR_MS = 10_000;

export const notStarved: StarvationState = { last: null, since: null };

export function observeCounters(state: StarvationState, sample: MediaCounters): StarvationState {
  const last = state.last;
  // A new consumer (after a reconnect or an angle switch) starts its counters again: no evidence either way.
  if (!last || sample.at <= last.at || sample.videoFrames < last.videoFrames || sample.audioPackets < last.audioPackets) {
    return { last: sample, since: null };
  }
  const fps = ((sample.videoFrames - last.videoFrames) * 1000) / (sample.at - last.at);
  // With no audio either the link is down, which reconnecting handles; dropping video would not help.
  const starved = fps < STARVED_BELOW_FPS && sample.audioPackets > last.audioPackets;
  return { last: sample, since: starved ? (state.since ?? last.at) : null };
}

export function isStarved(state: StarvationState): boolean {
  return state.since !== null && state.last !== null && state.last.at - state.since >= STARVED_FOR_MS;
}
