import { can, type Role } from '@dualclass/protocol';
import { CAMERA_CONSTRAINTS } from './local-media.ts';
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
  /**
   * Device pixels across the large angle's tile, when this screen sizes the large angle to its tile (a phone):
   * it gets the smallest layer that covers them, never more than `master`. Null: `master` as is.
   */
  readonly largeWidth?: number | null;
  /** No layer above this for the large angle while the link has just failed to carry it (layer-cap.ts). */
  readonly largeCap?: SpatialLayer | null;
  /** 仅音频+课件: no camera-type video at all (studio cameras, stage and wall video); audio and courseware stay. */
  readonly audioOnly?: boolean;
}

export const NO_CONSUMPTION: ConsumePolicy = { master: false, stage: false, wall: new Set() };

/** What to receive: producer id → the layer to ask for (`null` for audio, or video with one layer). */
export type SubscriptionPlan = ReadonlyMap<string, SpatialLayer | null>;

/**
 * Width of the studio camera's top simulcast layer: the camera is opened at CAMERA_CONSTRAINTS and every lower
 * layer halves it (scaleResolutionDownBy 2, 4).
 */
export const STUDIO_TOP_WIDTH = CAMERA_CONSTRAINTS.width.ideal;

/** The smallest of `layers` simulcast layers whose width covers `pixels`; the top one when none does. */
export function layerCovering(pixels: number, layers: number, topWidth = STUDIO_TOP_WIDTH): SpatialLayer {
  for (let layer = 0; layer < layers - 1; layer++) {
    if (topWidth / 2 ** (layers - 1 - layer) >= pixels) return layer as SpatialLayer;
  }
  return Math.max(0, layers - 1) as SpatialLayer;
}

/**
 * Whose large angle follows its tile: a student's own device (often a phone) gains nothing from pixels it cannot
 * show. A classroom's big screen keeps the top layer; the SFU's bandwidth estimate still steps it down when the
 * link cannot carry it.
 */
export function sizesLayerToTile(role: Role): boolean {
  return role === 'student';
}

/** Camera-type video: everything but courseware (a screen share) is dropped in 仅音频+课件 mode. */
function isCameraVideo(pub: { kind: 'audio' | 'video'; source: string }): boolean {
  return pub.kind === 'video' && pub.source !== 'screen';
}

function layerFor(kind: 'audio' | 'video', simulcastLayers: number, layer: SpatialLayer): SpatialLayer | null {
  if (kind === 'audio' || simulcastLayers < 2) return null;
  return Math.min(layer, simulcastLayers - 1) as SpatialLayer;
}

export function planSubscriptions(roster: RosterState, policy: ConsumePolicy): SubscriptionPlan {
  const selfId = roster.self?.id;
  const plan = new Map<string, SpatialLayer | null>();
  for (const pub of roster.publications.values()) {
    if (pub.participantId === selfId) continue;
    if (policy.audioOnly && isCameraVideo(pub)) continue;
    const owner = roster.participants.get(pub.participantId);
    // A publication whose owner is not announced (e.g. an encoder ingest) is the studio's feed.
    const isMaster = !owner || can(owner.role, 'media:publish');
    if (isMaster) {
      if (policy.master === false) continue;
      // In 仅音频+课件 only courseware is left, and it takes the large view.
      const largeAngle = policy.audioOnly ? null : policy.largeAngle;
      const small = pub.kind === 'video' && largeAngle != null && pub.producerId !== largeAngle;
      const fitted = Math.min(
        policy.master,
        policy.largeWidth != null ? layerCovering(policy.largeWidth, pub.simulcastLayers) : policy.master,
        policy.largeCap ?? policy.master,
      );
      plan.set(pub.producerId, layerFor(pub.kind, pub.simulcastLayers, small ? 0 : (fitted as SpatialLayer)));
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
  if (
    a.master !== b.master ||
    a.stage !== b.stage ||
    a.wall.size !== b.wall.size ||
    (a.largeAngle ?? null) !== (b.largeAngle ?? null) ||
    (a.largeWidth ?? null) !== (b.largeWidth ?? null) ||
    (a.largeCap ?? null) !== (b.largeCap ?? null) ||
    (a.audioOnly ?? false) !== (b.audioOnly ?? false)
  ) {
    return false;
  }
  for (const id of a.wall) if (!b.wall.has(id)) return false;
  return true;
}
