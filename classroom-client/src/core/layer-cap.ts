import type { SpatialLayer } from './subscriptions.ts';

/**
 * The SFU's estimate tries a higher simulcast layer again whenever the link looks free for a moment. On a link that
 * cannot carry that layer every such try is a freeze of seconds (measured on a 1 Mbit/s + 5 % loss classroom link:
 * ≈3.5 s at the top layer every ~10 s). The receiver sees it happen: the picture grew, then froze, and packets were
 * lost (a freeze without loss is a busy decoder, which a lower layer from the SFU would not be the answer to). It
 * then asks the SFU not to go above the layer that played before, for a hold that doubles while the tries keep
 * failing, and lets it try again afterwards (the link may have got better). Pure, fed once a second.
 */

export interface LargeVideoSample {
  readonly at: number;
  /** The simulcast layer being received (from the decoded width). */
  readonly layer: SpatialLayer;
  /** inbound-rtp totalFreezesDuration, seconds, cumulative. */
  readonly freezeSeconds: number;
  /** inbound-rtp packetsLost, cumulative. */
  readonly packetsLost: number;
}

export interface LayerCapState {
  readonly last: LargeVideoSample | null;
  /** The last step up: when, from which layer, and packets lost before it. */
  readonly grew: { at: number; from: SpatialLayer; lost: number } | null;
  /** Ask for no more than this layer until `until`; null: no cap. */
  readonly cap: SpatialLayer | null;
  readonly until: number;
  readonly holdMs: number;
  /** When the last cap ran out. */
  readonly liftedAt: number | null;
}

/** A freeze this long, with packets lost, within this time of a step up is that step failing. */
export const FAILED_STEP_FREEZE_S = 0.5;
export const FAILED_STEP_WINDOW_MS = 6_000;
export const FIRST_HOLD_MS = 30_000;
export const MAX_HOLD_MS = 240_000;
/** A step that fails this soon after the last hold ran out doubles the hold. */
const REPEAT_WITHIN_MS = 60_000;

export const noLayerCap: LayerCapState = { last: null, grew: null, cap: null, until: 0, holdMs: 0, liftedAt: null };

export function observeLargeVideo(state: LayerCapState, sample: LargeVideoSample): LayerCapState {
  const last = state.last;
  // A new consumer starts its counters again.
  if (last && (sample.at <= last.at || sample.freezeSeconds < last.freezeSeconds || sample.packetsLost < last.packetsLost)) {
    return { ...state, last: sample, grew: null };
  }
  let { grew, cap, until, holdMs, liftedAt } = state;
  if (cap !== null && sample.at >= until) {
    cap = null;
    liftedAt = sample.at;
  }
  if (last && sample.layer > last.layer) grew = { at: sample.at, from: last.layer, lost: last.packetsLost };
  const froze = last !== null && sample.freezeSeconds - last.freezeSeconds >= FAILED_STEP_FREEZE_S;
  if (froze && grew && sample.at - grew.at <= FAILED_STEP_WINDOW_MS && sample.packetsLost > grew.lost) {
    holdMs = liftedAt !== null && sample.at - liftedAt < REPEAT_WITHIN_MS ? Math.min(holdMs * 2, MAX_HOLD_MS) : FIRST_HOLD_MS;
    cap = grew.from;
    until = sample.at + holdMs;
    grew = null;
  }
  return { last: sample, grew, cap, until, holdMs, liftedAt };
}
