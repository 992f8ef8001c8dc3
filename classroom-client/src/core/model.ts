import type { Lesson, Participant, Publication, ResponseOf } from '@dualclass/protocol';

/**
 * The lesson as this client sees it (livekit-style: participants own track publications),
 * kept as immutable data changed only by `reduceRoster`, so React can compare by identity and
 * the logic can be tested without a browser.
 */

export type Subscription = 'unsubscribed' | 'subscribing' | 'subscribed';

/** A published track and, once consumed, the local receiving end of it. */
export interface TrackPublication extends Publication {
  readonly subscription: Subscription;
  readonly consumerId: string | null;
  readonly track: MediaStreamTrack | null;
}

export interface RemoteParticipant extends Participant {
  readonly publications: readonly TrackPublication[];
}

export interface RosterState {
  readonly self: Participant | null;
  readonly lesson: Lesson | null;
  /** Everyone the server showed us, self included. */
  readonly participants: ReadonlyMap<string, Participant>;
  /** By producer id; a publication can arrive before the participant who owns it. */
  readonly publications: ReadonlyMap<string, TrackPublication>;
}

export type RosterEvent =
  | { type: 'joined'; data: ResponseOf<'lesson:join'> }
  | { type: 'lesson'; lesson: Lesson }
  | { type: 'participantJoined'; participant: Participant }
  | { type: 'participantUpdated'; participant: Participant }
  | { type: 'participantLeft'; participantId: string }
  | { type: 'publicationAdded'; publication: Publication }
  /** Paused, hard-muted or audience changed; also an upsert (a wider audience can announce it to us this way). */
  | { type: 'publicationUpdated'; publication: Publication }
  | { type: 'publicationRemoved'; producerId: string }
  | { type: 'subscribing'; producerId: string }
  | { type: 'subscribed'; producerId: string; consumerId: string; track: MediaStreamTrack }
  | { type: 'unsubscribed'; producerId: string }
  | { type: 'consumerClosed'; consumerId: string }
  /** Media torn down (disconnect, lesson end): every subscription is gone. */
  | { type: 'mediaReset' };

export const emptyRoster: RosterState = { self: null, lesson: null, participants: new Map(), publications: new Map() };

function unsubscribed(publication: Publication): TrackPublication {
  return { ...publication, subscription: 'unsubscribed', consumerId: null, track: null };
}

function withPublication(state: RosterState, producerId: string, patch: (p: TrackPublication) => TrackPublication): RosterState {
  const current = state.publications.get(producerId);
  if (!current) return state;
  const next = patch(current);
  if (next === current) return state;
  const publications = new Map(state.publications);
  publications.set(producerId, next);
  return { ...state, publications };
}

export function reduceRoster(state: RosterState, event: RosterEvent): RosterState {
  switch (event.type) {
    case 'joined': {
      const participants = new Map(event.data.participants.map((p) => [p.id, p] as const));
      participants.set(event.data.self.id, event.data.self);
      // Keep a live subscription across a re-join only if the server still lists the producer.
      const publications = new Map<string, TrackPublication>();
      for (const pub of event.data.publications) {
        const previous = state.publications.get(pub.producerId);
        publications.set(pub.producerId, previous ? { ...previous, ...pub } : unsubscribed(pub));
      }
      return { self: event.data.self, lesson: event.data.lesson, participants, publications };
    }
    case 'lesson':
      return { ...state, lesson: event.lesson };
    case 'participantJoined':
    case 'participantUpdated': {
      const participants = new Map(state.participants);
      participants.set(event.participant.id, event.participant);
      const self = state.self?.id === event.participant.id ? event.participant : state.self;
      return { ...state, self, participants };
    }
    case 'participantLeft': {
      if (!state.participants.has(event.participantId)) return state;
      const participants = new Map(state.participants);
      participants.delete(event.participantId);
      return { ...state, participants };
    }
    case 'publicationAdded':
    case 'publicationUpdated': {
      const publications = new Map(state.publications);
      const previous = state.publications.get(event.publication.producerId);
      publications.set(event.publication.producerId, previous ? { ...previous, ...event.publication } : unsubscribed(event.publication));
      return { ...state, publications };
    }
    case 'publicationRemoved': {
      if (!state.publications.has(event.producerId)) return state;
      const publications = new Map(state.publications);
      publications.delete(event.producerId);
      return { ...state, publications };
    }
    case 'subscribing':
      return withPublication(state, event.producerId, (p) => ({ ...p, subscription: 'subscribing', consumerId: null, track: null }));
    case 'subscribed':
      return withPublication(state, event.producerId, (p) => ({
        ...p,
        subscription: 'subscribed',
        consumerId: event.consumerId,
        track: event.track,
      }));
    case 'unsubscribed':
      return withPublication(state, event.producerId, (p) => (p.subscription === 'unsubscribed' ? p : unsubscribed(p)));
    case 'consumerClosed': {
      const pub = [...state.publications.values()].find((p) => p.consumerId === event.consumerId);
      return pub ? reduceRoster(state, { type: 'unsubscribed', producerId: pub.producerId }) : state;
    }
    case 'mediaReset': {
      if (![...state.publications.values()].some((p) => p.subscription !== 'unsubscribed')) return state;
      const publications = new Map([...state.publications].map(([id, p]) => [id, unsubscribed(p)] as const));
      return { ...state, publications };
    }
  }
}

/** Publications someone else owns: the ones this client may consume. */
export function remotePublications(state: RosterState): TrackPublication[] {
  const selfId = state.self?.id;
  return [...state.publications.values()].filter((p) => p.participantId !== selfId);
}

export function localPublications(state: RosterState): TrackPublication[] {
  const selfId = state.self?.id;
  return selfId ? [...state.publications.values()].filter((p) => p.participantId === selfId) : [];
}

/** Everyone except this client, each with their publications, in join order. */
export function remoteParticipants(state: RosterState): RemoteParticipant[] {
  const selfId = state.self?.id;
  const pubs = [...state.publications.values()];
  return [...state.participants.values()]
    .filter((p) => p.id !== selfId)
    .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt))
    .map((p) => ({ ...p, publications: pubs.filter((pub) => pub.participantId === p.id) }));
}

const SOURCE_ORDER = ['camera', 'document', 'screen', 'microphone'] as const;

/**
 * What a viewer puts on the main screen: the master teacher's video (the chosen angle if it still
 * exists, else the camera, else any other angle) and every remote audio track.
 * Publications whose owner is unknown (not yet announced) still count, so media never waits on presence.
 */
export function pickStage(
  state: RosterState,
  chosenProducerId?: string | null,
): { video: TrackPublication | null; angles: TrackPublication[]; audio: TrackPublication[] } {
  const remote = remotePublications(state);
  const isMaster = (p: TrackPublication) => {
    const owner = state.participants.get(p.participantId);
    return !owner || owner.role === 'master_teacher';
  };
  const angles = remote
    .filter((p) => p.kind === 'video' && isMaster(p))
    .sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source));
  const chosen = chosenProducerId ? angles.find((p) => p.producerId === chosenProducerId) : undefined;
  return {
    video: chosen ?? angles[0] ?? null,
    angles,
    audio: remote.filter((p) => p.kind === 'audio'),
  };
}
