import { describe, expect, it } from 'vitest';
import { FIRST_HOLD_MS, MAX_HOLD_MS, noLayerCap, observeLargeVideo, type LayerCapState } from './layer-cap.ts';
import type { SpatialLayer } from './subscriptions.ts';

/** One sample a second: [layer received, seconds frozen during that second, packets lost during it (default 3)]. */
function feed(steps: [SpatialLayer, number, number?][], state: LayerCapState = noLayerCap, start = 0): LayerCapState {
  let frozen = state.last?.freezeSeconds ?? 0;
  let lost = state.last?.packetsLost ?? 0;
  steps.forEach(([layer, freeze, loss = 3], i) => {
    frozen += freeze;
    lost += loss;
    state = observeLargeVideo(state, { at: start + i * 1000, layer, freezeSeconds: frozen, packetsLost: lost });
  });
  return state;
}

describe('layer cap after failed steps up', () => {
  it('caps at the layer that played when a step up froze', () => {
    const state = feed([[1, 0], [1, 0], [2, 0], [2, 1.2], [1, 0]]);
    expect(state.cap).toBe(1);
    expect(state.until).toBe(3000 + FIRST_HOLD_MS);
  });

  it('leaves a smooth step up alone, and a freeze without a step up (the SFU steps down on its own)', () => {
    expect(feed([[1, 0], [2, 0], [2, 0], [2, 0]]).cap).toBeNull();
    expect(feed([[2, 0], [2, 0], [2, 2], [1, 0]]).cap).toBeNull();
  });

  it('leaves a step up that froze without losing packets alone (a busy decoder, not the link)', () => {
    expect(feed([[1, 0, 0], [1, 0, 0], [2, 0, 0], [2, 1.2, 0], [1, 0, 0]]).cap).toBeNull();
  });

  it('ignores a freeze long after the step up, and a hiccup shorter than half a second', () => {
    expect(feed([[1, 0], [2, 0], ...Array<[SpatialLayer, number]>(7).fill([2, 0]), [2, 3]]).cap).toBeNull();
    expect(feed([[1, 0], [2, 0.2], [2, 0.2]]).cap).toBeNull();
  });

  it('lifts the cap after the hold, and doubles the hold when the next try fails soon after', () => {
    let state = feed([[1, 0], [2, 2]]);
    expect(state.cap).toBe(1);
    state = observeLargeVideo(state, { ...state.last!, at: 1000 + FIRST_HOLD_MS, layer: 1 });
    expect(state.cap).toBeNull();
    state = feed([[2, 0], [2, 3]], state, 2000 + FIRST_HOLD_MS);
    expect(state.cap).toBe(1);
    expect(state.holdMs).toBe(2 * FIRST_HOLD_MS);
    for (let i = 0; i < 5; i++) {
      state = observeLargeVideo(state, { ...state.last!, at: state.until, layer: 1 });
      state = feed([[2, 0], [2, 3]], state, state.until + 1000);
    }
    expect(state.holdMs).toBe(MAX_HOLD_MS);
  });

  it('starts over with a new consumer (counters went back)', () => {
    const state = observeLargeVideo(feed([[1, 0.3], [2, 0]]), { at: 5000, layer: 2, freezeSeconds: 0, packetsLost: 0 });
    expect(state.grew).toBeNull();
  });
});
