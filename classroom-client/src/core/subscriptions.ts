import { can } from '@dualclass/protocol';
import type { RosterState } from './model.ts';

/**
 * Which remote publications this client receives, and at which simulcast layer. The master teacher's feed,
 * the stage (连麦) and the classroom wall each have their own rule, so a studio with 50 classrooms receives
 * only the thumbnails on screen, at the lowest layer, plus the few feeds on stage.
 */

export type SpatialLayer = 0 | 1 | 2;

export interface ConsumePolicy {
  /** The master teacher's angles and audio at this layer, or not at all. */
  readonly master: SpatialLayer | false;
  /** Everyone on stage (video and audio) at this layer, or not at all. */
  readonly stage: SpatialLayer | false;
  /** Participants whose camera shows as a wall thumbnail: video only, layer 0. */
  readonly wall: ReadonlySet<string>;
  /**
   * The studio angle shown large on this screen. The others are small picture-in-picture tiles and get layer 0,
   * so a weak link spends its bitrate on the picture people look at. Null: every angle at `master`.
   */
  readonly largeAngle?: string | null;
}

export const NO_CONSUMPTION: ConsumePolicy = { master: false, stage: false, wall: new Set() };

/** What to receive: producer id → the layer to ask for (`null` for audio, or video with one layer). */
export type SubscriptionPlan = ReadonlyMap<string, SpatialLayer | null>;

function layerFor(kind: 'audio' | 'video', simulcastLayers: number, layer: SpatialLayer): SpatialLayer | null {
  if (kind === 'audio' || simulcastLayers < 2) return null;
  return Math.min(layer, simulcastLayers - 1) as SpatialLayer;
}

export function planSubscriptions(roster: RosterState, policy: ConsumePolicy): SubscriptionPlan {
  const selfId = roster.self?.id;
  const plan = new Map<string, SpatialLayer | null>();
  for (const pub of roster.publications.values()) {
    if (pub.participantId === selfId) continue;
    const owner = roster.participants.get(pub.participantId);
    // A publication whose owner is not announced (e.g. an encoder ingest) is the studio's feed.
    const isMaster = !owner || can(owner.role, 'media:publish');
    if (isMaster) {
      if (policy.master === false) continue;
      const small = pub.kind === 'video' && policy.largeAngle != null && pub.producerId !== policy.largeAngle;
      plan.set(pub.producerId, layerFor(pub.kind, pub.simulcastLayers, small ? 0 : policy.master));
      continue;
    }
    if (owner.onStage && pub.audience === 'all' && policy.stage !== false) {
      plan.set(pub.producerId, layerFor(pub.kind, pub.simulcastLayers, policy.stage));
      continue;
    }
    if (policy.wall.has(owner.id) && pub.kind === 'video') plan.set(pub.producerId, layerFor('video', pub.simulcastLayers, 0));
  }
  return plan;
}

export function samePolicy(a: ConsumePolicy, b: ConsumePolicy): boolean {
  if (a.master !== b.master || a.stage !== b.stage || a.wall.size !== b.wall.size || (a.largeAngle ?? null) !== (b.largeAngle ?? null)) return false;
  for (const id of a.wall) if (!b.wall.has(id)) return false;
  return true;
}
