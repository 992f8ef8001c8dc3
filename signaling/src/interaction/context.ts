import { ClassroomError, type Lesson, type Participant } from '@dualclass/protocol';
import type { Logger } from 'pino';
import type { LessonStore } from '../lessons/lesson-store.ts';
import type { Broadcaster } from '../realtime/broadcaster.ts';
import type { Timeline } from '../timeline/timeline.ts';
import type { InteractionStore } from './interaction-store.ts';

/** What the interaction services need of the lesson layer: the live-lesson gate and who is connected. */
export interface LiveLessons {
  requireLive(lessonId: string): Promise<Lesson>;
  registry: { get(lessonId: string): { participants: readonly { info: Participant }[] } | undefined };
}

/** Shared collaborators of the interaction services. */
export interface InteractionContext {
  /** Lessons (paired classrooms, start time) and classrooms (roster size). */
  store: LessonStore;
  lessons: LiveLessons;
  broadcast: Broadcaster;
  timeline: Timeline;
  interactionStore: InteractionStore;
  log?: Logger;
}

/** The lesson, refusing one that has ended (its record is closed). */
export async function openLesson(ctx: Pick<InteractionContext, 'store'>, lessonId: string): Promise<Lesson> {
  const lesson = await ctx.store.getLesson(lessonId);
  if (lesson.status === 'ended') throw new ClassroomError('INVALID_STATE', 'lesson has ended');
  return lesson;
}
