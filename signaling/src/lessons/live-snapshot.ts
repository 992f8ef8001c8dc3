import { z } from 'zod';
import { IdSchema, ParticipantSchema, PublicationSchema } from '@dualclass/protocol';
import type { LiveLesson } from './live-lesson.ts';

/**
 * A live lesson as plain data: what another signaling node needs to carry on with it (cluster failover and
 * draining). Media is not in it because it lives on at the SFU; only who owns which producer and consumer is.
 */
export const LiveLessonSnapshotSchema = z.object({
  lessonId: IdSchema,
  savedAt: z.number(),
  directedAngle: IdSchema.nullable(),
  participants: z.array(
    z.object({
      info: ParticipantSchema,
      resumeKey: z.string().min(16).max(128),
      socketId: z.string().max(64).nullable(),
      stageSince: z.number(),
      publications: z.array(PublicationSchema),
      consumers: z.array(z.tuple([z.string(), z.string()])),
    }),
  ),
});
export type LiveLessonSnapshot = z.infer<typeof LiveLessonSnapshotSchema>;

export function snapshotOf(live: LiveLesson, savedAt = Date.now()): LiveLessonSnapshot {
  return {
    lessonId: live.lessonId,
    savedAt,
    directedAngle: live.directedAngle,
    participants: live.participants.map((p) => ({
      info: p.info,
      resumeKey: p.resumeKey,
      socketId: p.socketId,
      stageSince: p.stageSince,
      publications: p.publications,
      consumers: [...p.consumers],
    })),
  };
}
