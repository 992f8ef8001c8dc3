import type { RosterState, TrackPublication } from './model.ts';

/**
 * Studio angles (教师特写, 实验台, 课件 …) on a viewer's screen: one is large, the others are small
 * picture-in-picture tiles. The viewer picks the large one; the master's 导播 (`angle:directed`) switches
 * everyone to an angle, and the viewer may switch away again until the next direct command. Pure data, so
 * the rule is testable without a browser.
 */
export interface AngleState {
  /** What this viewer last put large (their click, or the last directed angle). Local to this client. */
  readonly chosen: string | null;
  /** The angle the master directs everyone to, or null. */
  readonly directed: string | null;
  /** Who directed it (null when the server cleared it or the state came from the join snapshot). */
  readonly directedBy: string | null;
}

export const emptyAngles: AngleState = { chosen: null, directed: null, directedBy: null };

export type AngleEvent =
  | { type: 'angleChosen'; producerId: string }
  | { type: 'angleDirected'; producerId: string | null; by: string | null }
  /** The join snapshot's directed angle: a late joiner follows it. */
  | { type: 'angleJoined'; directed: string | null };

export function reduceAngles(state: AngleState, event: AngleEvent): AngleState {
  switch (event.type) {
    case 'angleChosen':
      return state.chosen === event.producerId ? state : { ...state, chosen: event.producerId };
    case 'angleDirected':
      // A new direct command switches the viewer even if they had chosen something else; clearing it keeps
      // whatever is large now.
      return { chosen: event.producerId ?? state.chosen, directed: event.producerId, directedBy: event.by };
    case 'angleJoined':
      if (event.directed === null) return state.directed === null ? state : { ...state, directed: null, directedBy: null };
      // Re-joining with the same directed angle keeps the viewer's own choice.
      if (event.directed === state.directed) return state;
      return { chosen: event.directed, directed: event.directed, directedBy: null };
  }
}

export interface AngleLayout {
  readonly large: TrackPublication | null;
  /** Every other angle, in the order of `angles`. */
  readonly small: readonly TrackPublication[];
  /** Whether the large angle is the directed one. */
  readonly largeIsDirected: boolean;
}

/**
 * Which angle is large: the viewer's choice while it exists, else the directed angle, else the first angle
 * (the teacher camera, by `pickStage`'s order). Angles come and go live; a vanished choice falls back.
 */
export function angleLayout(angles: readonly TrackPublication[], state: AngleState): AngleLayout {
  const find = (id: string | null) => (id === null ? undefined : angles.find((a) => a.producerId === id));
  const large = find(state.chosen) ?? find(state.directed) ?? angles[0] ?? null;
  return {
    large,
    small: angles.filter((a) => a !== large),
    largeIsDirected: large !== null && large.producerId === state.directed,
  };
}

const SOURCE_ORDER = ['camera', 'document', 'screen', 'microphone'] as const;

/**
 * Every studio video angle of the lesson, this client's own included (the studio's 导播 list): video published
 * by a master teacher (or by an owner not yet announced, as an encoder's), teacher camera first, then document
 * cameras, then courseware.
 */
export function studioAngles(roster: RosterState): TrackPublication[] {
  return [...roster.publications.values()]
    .filter((p) => {
      if (p.kind !== 'video' || p.audience !== 'all') return false;
      const owner = roster.participants.get(p.participantId);
      return !owner || owner.role === 'master_teacher';
    })
    .sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source));
}
