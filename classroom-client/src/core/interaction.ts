import type {
  Attendance,
  ChatMessage,
  Comment,
  OptionId,
  ParticipantHealth,
  PrivateMessage,
  Quiz,
  RecordingPhase,
  QuizResults,
  REACTIONS,
  ResponseOf,
  StageState,
  TimelineEvent,
} from '@dualclass/protocol';
import { DEFAULT_STAGE_LIMIT } from '@dualclass/protocol';
import { emptyAngles, reduceAngles, type AngleEvent, type AngleState } from './angles.ts';

/**
 * Everything interactive in a lesson besides presence and media: the stage, link health per participant,
 * the quiz, chat, reactions, private notes, attendance, observer comments and the timeline. Immutable data
 * changed only by `reduceInteraction`, like the roster in model.ts.
 */

export type Reaction = (typeof REACTIONS)[number];

export interface ReactionEvent {
  /** Local sequence number (keys for React; reactions have no server id). */
  readonly id: number;
  readonly participantId: string;
  readonly reaction: Reaction;
  /** Date.now() when it arrived. */
  readonly at: number;
}

export interface InteractionState {
  readonly stage: StageState;
  readonly health: ReadonlyMap<string, ParticipantHealth>;
  /** The open or last quiz. */
  readonly quiz: Quiz | null;
  /** Live or final results of `quiz` (roles with quiz:results live; everyone at reveal). */
  readonly results: QuizResults | null;
  /** What this client answered, per quiz id (the server does not echo answers back). */
  readonly answers: ReadonlyMap<string, readonly OptionId[]>;
  readonly chat: { readonly enabled: boolean; readonly messages: readonly ChatMessage[] };
  /** Reactions of the last few seconds, oldest first. */
  readonly reactions: readonly ReactionEvent[];
  readonly privateMessages: readonly PrivateMessage[];
  /** By classroom id. */
  readonly attendance: ReadonlyMap<string, Attendance>;
  /** Oldest first. */
  readonly comments: readonly Comment[];
  /** Oldest first. */
  readonly timeline: readonly TimelineEvent[];
  /** A student's own check-in time. */
  readonly checkedInAt: string | null;
  /** The lesson recording, as the server last said ('off' until it says otherwise). */
  readonly recording: RecordingState;
  /** Which studio angle this viewer shows large, and the master's 导播 (angles.ts). */
  readonly angles: AngleState;
}

export type RecordingState = RecordingPhase | 'off';

export const MAX_CHAT_MESSAGES = 200;
export const MAX_TIMELINE_EVENTS = 300;
export const MAX_PRIVATE_MESSAGES = 100;
/** How long a reaction stays on screen. */
export const REACTION_TTL_MS = 4000;
export const MAX_REACTIONS = 30;

export const emptyInteraction: InteractionState = {
  stage: { limit: DEFAULT_STAGE_LIMIT, members: [] },
  health: new Map(),
  quiz: null,
  results: null,
  answers: new Map(),
  chat: { enabled: true, messages: [] },
  reactions: [],
  privateMessages: [],
  attendance: new Map(),
  comments: [],
  timeline: [],
  checkedInAt: null,
  recording: 'off',
  angles: emptyAngles,
};

export type InteractionEvent =
  | { type: 'joined'; data: ResponseOf<'lesson:join'> }
  | { type: 'stage'; stage: StageState }
  | { type: 'health'; health: ParticipantHealth }
  | { type: 'participantLeft'; participantId: string }
  | { type: 'quizLaunched'; quiz: Quiz }
  | { type: 'quizResults'; results: QuizResults }
  | { type: 'quizClosed'; quizId: string }
  | { type: 'quizRevealed'; quiz: Quiz; results: QuizResults }
  | { type: 'quizAnswered'; quizId: string; choice: readonly OptionId[] }
  | { type: 'chatMessage'; message: ChatMessage }
  | { type: 'chatDeleted'; messageId: string }
  | { type: 'chatState'; enabled: boolean }
  | { type: 'reaction'; id: number; participantId: string; reaction: Reaction; at: number }
  /** Drops reactions that arrived before `now - REACTION_TTL_MS`. */
  | { type: 'pruneReactions'; now: number }
  | { type: 'privateMessage'; message: PrivateMessage }
  | { type: 'comment'; comment: Comment }
  | { type: 'attendance'; attendance: Attendance }
  | { type: 'timeline'; event: TimelineEvent }
  | { type: 'timelineList'; events: readonly TimelineEvent[] }
  | { type: 'checkedIn'; at: string }
  | { type: 'recording'; phase: RecordingState }
  | AngleEvent;

/** Appends unless an item with the same id is there; keeps the newest `max`. */
function appendUnique<T extends { id: string }>(list: readonly T[], item: T, max: number): readonly T[] {
  if (list.some((x) => x.id === item.id)) return list;
  const next = [...list, item];
  return next.length > max ? next.slice(next.length - max) : next;
}

function sameStage(a: StageState, b: StageState): boolean {
  return a.limit === b.limit && a.members.length === b.members.length && a.members.every((m, i) => b.members[i] === m);
}

export function reduceInteraction(state: InteractionState, event: InteractionEvent): InteractionState {
  switch (event.type) {
    case 'joined': {
      const { data } = event;
      const quiz = data.quiz;
      // Results of a quiz we already had survive a re-join; another quiz starts without.
      const results = quiz && state.results?.quizId === quiz.id ? state.results : null;
      return {
        ...state,
        stage: data.stage,
        health: new Map(),
        quiz,
        results,
        chat: { enabled: data.chat.enabled, messages: data.chat.recent.slice(-MAX_CHAT_MESSAGES) },
        comments: [...data.comments].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
        attendance: new Map(data.attendance.map((a) => [a.classroomId, a] as const)),
        reactions: [],
        angles: reduceAngles(state.angles, { type: 'angleJoined', directed: data.directedAngle ?? null }),
      };
    }
    case 'stage':
      return sameStage(state.stage, event.stage) ? state : { ...state, stage: event.stage };
    case 'health': {
      const health = new Map(state.health);
      health.set(event.health.participantId, event.health);
      return { ...state, health };
    }
    case 'participantLeft': {
      if (!state.health.has(event.participantId)) return state;
      const health = new Map(state.health);
      health.delete(event.participantId);
      return { ...state, health };
    }
    case 'quizLaunched':
      return { ...state, quiz: event.quiz, results: null };
    case 'quizResults':
      // Results for a quiz we do not show (a late push after a new launch) are dropped.
      if (state.quiz && state.quiz.id !== event.results.quizId) return state;
      return { ...state, results: event.results };
    case 'quizClosed': {
      const { quiz } = state;
      if (!quiz || quiz.id !== event.quizId || quiz.status !== 'open') return state;
      return { ...state, quiz: { ...quiz, status: 'closed' } };
    }
    case 'quizRevealed':
      return { ...state, quiz: event.quiz, results: event.results };
    case 'quizAnswered': {
      const answers = new Map(state.answers);
      answers.set(event.quizId, [...event.choice]);
      return { ...state, answers };
    }
    case 'chatMessage': {
      const messages = appendUnique(state.chat.messages, event.message, MAX_CHAT_MESSAGES);
      return messages === state.chat.messages ? state : { ...state, chat: { ...state.chat, messages } };
    }
    case 'chatDeleted': {
      if (!state.chat.messages.some((m) => m.id === event.messageId)) return state;
      return { ...state, chat: { ...state.chat, messages: state.chat.messages.filter((m) => m.id !== event.messageId) } };
    }
    case 'chatState':
      return state.chat.enabled === event.enabled ? state : { ...state, chat: { ...state.chat, enabled: event.enabled } };
    case 'reaction': {
      const { id, participantId, reaction, at } = event;
      const fresh = state.reactions.filter((r) => r.at > at - REACTION_TTL_MS);
      const reactions = [...fresh, { id, participantId, reaction, at }];
      return { ...state, reactions: reactions.slice(-MAX_REACTIONS) };
    }
    case 'pruneReactions': {
      const reactions = state.reactions.filter((r) => r.at > event.now - REACTION_TTL_MS);
      return reactions.length === state.reactions.length ? state : { ...state, reactions };
    }
    case 'privateMessage': {
      const privateMessages = appendUnique(state.privateMessages, event.message, MAX_PRIVATE_MESSAGES);
      return privateMessages === state.privateMessages ? state : { ...state, privateMessages };
    }
    case 'comment': {
      const comments = appendUnique(state.comments, event.comment, Number.POSITIVE_INFINITY);
      return comments === state.comments ? state : { ...state, comments };
    }
    case 'attendance': {
      const attendance = new Map(state.attendance);
      attendance.set(event.attendance.classroomId, event.attendance);
      return { ...state, attendance };
    }
    case 'timeline': {
      const timeline = appendUnique(state.timeline, event.event, MAX_TIMELINE_EVENTS);
      return timeline === state.timeline ? state : { ...state, timeline };
    }
    case 'timelineList': {
      // The list replaces what we had, keeping pushes that arrived while it was on its way.
      const byId = new Map(event.events.map((e) => [e.id, e] as const));
      for (const e of state.timeline) if (!byId.has(e.id)) byId.set(e.id, e);
      const timeline = [...byId.values()].sort((a, b) => a.at.localeCompare(b.at)).slice(-MAX_TIMELINE_EVENTS);
      return { ...state, timeline };
    }
    case 'checkedIn':
      return state.checkedInAt === event.at ? state : { ...state, checkedInAt: event.at };
    case 'recording':
      return state.recording === event.phase ? state : { ...state, recording: event.phase };
    case 'angleChosen':
    case 'angleDirected':
    case 'angleJoined': {
      const angles = reduceAngles(state.angles, event);
      return angles === state.angles ? state : { ...state, angles };
    }
  }
}

/** This client's answer to the current quiz, if any. */
export function ownAnswer(state: InteractionState): readonly OptionId[] | null {
  return state.quiz ? (state.answers.get(state.quiz.id) ?? null) : null;
}
