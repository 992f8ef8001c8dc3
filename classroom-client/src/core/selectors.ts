import { can, type Attendance, type Participant, type ParticipantHealth, type Permission } from '@dualclass/protocol';
import type { InteractionState } from './interaction.ts';
import type { RosterState, TrackPublication } from './model.ts';

/**
 * Read-only views over the roster and the interaction state that several pages need: the classroom wall,
 * the raised-hands queue, the stage feeds. Pure functions of immutable state, so views can memoize them.
 */

/** Whether this client's role holds a permission (false before the join). UI affordances come from here. */
export function selfCan(roster: Pick<RosterState, 'self'>, permission: Permission): boolean {
  return roster.self ? can(roster.self.role, permission) : false;
}

/** A classroom's room device is whoever publishes a room camera. */
export function isRoomDevice(p: Pick<Participant, 'role'>): boolean {
  return can(p.role, 'media:publishRoom');
}

export function publicationsOf(roster: RosterState, participantId: string): TrackPublication[] {
  return [...roster.publications.values()].filter((p) => p.participantId === participantId);
}

function cameraOf(pubs: readonly TrackPublication[]): TrackPublication | null {
  return pubs.find((p) => p.kind === 'video' && p.source === 'camera') ?? pubs.find((p) => p.kind === 'video') ?? null;
}

function micOf(pubs: readonly TrackPublication[]): TrackPublication | null {
  return pubs.find((p) => p.kind === 'audio') ?? null;
}

export interface WallTile {
  readonly participant: Participant;
  /** The classroom's local teacher, when connected. */
  readonly localTeacher: Participant | null;
  readonly camera: TrackPublication | null;
  readonly microphone: TrackPublication | null;
  readonly health: ParticipantHealth | null;
  readonly attendance: Attendance | null;
}

/** One tile per connected room device (self excluded), ordered by classroom name so the wall does not reshuffle. */
export function classroomWall(roster: RosterState, interaction: InteractionState): WallTile[] {
  const everyone = [...roster.participants.values()];
  return everyone
    .filter((p) => isRoomDevice(p) && p.id !== roster.self?.id && p.connection !== 'left')
    .sort((a, b) => a.displayName.localeCompare(b.displayName, 'zh-CN') || a.id.localeCompare(b.id))
    .map((participant) => {
      const pubs = publicationsOf(roster, participant.id);
      const localTeacher =
        everyone.find((p) => p.role === 'local_teacher' && p.classroomId !== null && p.classroomId === participant.classroomId) ?? null;
      return {
        participant,
        localTeacher,
        camera: cameraOf(pubs),
        microphone: micOf(pubs),
        health: interaction.health.get(participant.id) ?? null,
        attendance: participant.classroomId ? (interaction.attendance.get(participant.classroomId) ?? null) : null,
      };
    });
}

/** The room device of a classroom (for a local teacher: their own room). */
export function roomDeviceOf(roster: RosterState, classroomId: string | null): Participant | null {
  if (!classroomId) return null;
  return [...roster.participants.values()].find((p) => isRoomDevice(p) && p.classroomId === classroomId) ?? null;
}

/** Everyone with a raised hand (classrooms and students), longest waiting first. */
export function raisedHands(roster: RosterState): Participant[] {
  return [...roster.participants.values()]
    .filter((p): p is Participant & { handRaisedAt: string } => p.handRaisedAt !== null && !p.onStage)
    .sort((a, b) => a.handRaisedAt.localeCompare(b.handRaisedAt));
}

export interface StageFeed {
  readonly participant: Participant;
  readonly video: TrackPublication | null;
  readonly audio: TrackPublication | null;
}

/**
 * The participants on stage, in the order they were invited, with their publications. `includeSelf` keeps
 * this client's own entry (its preview is drawn elsewhere, so pages usually leave it out).
 */
export function stageFeeds(roster: RosterState, interaction: InteractionState, includeSelf = false): StageFeed[] {
  const ids = interaction.stage.members.length > 0 ? interaction.stage.members : [...roster.participants.values()].filter((p) => p.onStage).map((p) => p.id);
  const feeds: StageFeed[] = [];
  for (const id of ids) {
    const participant = roster.participants.get(id);
    if (!participant || (!includeSelf && id === roster.self?.id)) continue;
    const pubs = publicationsOf(roster, id);
    feeds.push({ participant, video: cameraOf(pubs), audio: micOf(pubs) });
  }
  return feeds;
}

/** Classroom id → a display name (its room device's name), for quiz results and messages. */
export function classroomNames(roster: RosterState): Map<string, string> {
  const names = new Map<string, string>();
  for (const p of roster.participants.values()) {
    if (p.classroomId && isRoomDevice(p)) names.set(p.classroomId, p.displayName);
  }
  return names;
}

export interface Page<T> {
  items: T[];
  page: number;
  pages: number;
}

/** One page of a list (the page clamped into range, at least one page). */
export function paginate<T>(items: readonly T[], page: number, perPage: number): Page<T> {
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const current = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  return { items: items.slice(current * perPage, current * perPage + perPage), page: current, pages };
}

/** This client's own publication of a kind. */
export function ownPublication(roster: RosterState, kind: 'audio' | 'video'): TrackPublication | null {
  const selfId = roster.self?.id;
  if (!selfId) return null;
  return [...roster.publications.values()].find((p) => p.participantId === selfId && p.kind === kind) ?? null;
}
