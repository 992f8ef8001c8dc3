import { ClassroomError, type Participant, type ResponseOf } from '@dualclass/protocol';
import type { SfuApi } from '../../media/sfu-cluster.ts';
import type { LessonService } from '../../lessons/lesson-service.ts';
import type { StageService } from '../../lessons/stage-service.ts';
import type { Interactions, LimiterFactory } from '../../interaction/index.ts';
import type { Timeline } from '../../timeline/timeline.ts';
import type { JoinTokens } from '../../auth/join-tokens.ts';
import type { TurnConfig } from '../../auth/turn-credentials.ts';
import type { RecordingCoordinator } from '../../recording/recording-coordinator.ts';
import type { HandlerMap, SocketSession } from '../dispatch.ts';

/** What the interaction services (quiz, chat, comments, attendance) add to a joining participant's snapshot. */
export type InteractionSnapshot = Pick<ResponseOf<'lesson:join'>, 'chat' | 'quiz' | 'comments' | 'attendance'>;
export interface InteractionSnapshotSource {
  snapshot(participant: Participant): Promise<InteractionSnapshot>;
}

export interface HandlerDeps {
  lessons: LessonService;
  stage: StageService;
  timeline: Timeline;
  sfu: SfuApi;
  /** Quiz, chat, reactions, attendance, comments; also the join snapshot's interaction part. */
  interaction: Interactions;
  /** Absent when no recorder is configured: recording is then off. */
  recording: RecordingCoordinator | undefined;
  /** Rate limiters of single kinds of request (ICE restarts); see flood-limit.ts. */
  limiters: LimiterFactory;
  /** Fresh join tokens for `session:refresh`. */
  tokens: JoinTokens;
  /** TURN relays whose credentials come with every WebRTC transport; undefined when none is configured. */
  turn: TurnConfig | undefined;
}

export type HandlerGroup<K extends keyof HandlerMap> = Pick<HandlerMap, K>;

/** The session's live participant; every request but `lesson:join` needs one. */
export function joined(session: SocketSession) {
  const participant = session.participant;
  if (!participant || participant.closed) throw new ClassroomError('INVALID_STATE', 'join the lesson first');
  return { participant, owner: { lessonId: participant.info.lessonId, participantId: participant.id } };
}
