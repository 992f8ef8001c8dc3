import { z } from 'zod';
import { IdSchema, LibraryTagsSchema, RecordingTrackSchema } from '@dualclass/protocol';

/** The state files a recording keeps beside its segments: one per lesson, per track folder and per run folder. */
export const LESSON_STATE_FILE = 'lesson.json';
export const TRACK_STATE_FILE = 'track.json';
export const RUN_STATE_FILE = 'run.json';

const IntervalSchema = z.object({ fromMs: z.number(), toMs: z.number() });

export const SavedLessonSchema = z.object({
  lessonId: IdSchema,
  tags: LibraryTagsSchema,
  startMs: z.number(),
  pauses: z.array(IntervalSchema),
  pausedSince: z.number().nullable(),
});
export type SavedLesson = z.infer<typeof SavedLessonSchema>;

const TapCodecSchema = z.object({
  kind: z.enum(['audio', 'video']),
  mimeType: z.string(),
  payloadType: z.number(),
  clockRate: z.number(),
  channels: z.number().optional(),
  fmtp: z.string(),
});

/** The track's fields stay at the top level: people read these files when they look at a left-behind folder. */
export const SavedTrackSchema = RecordingTrackSchema.extend({ lessonId: IdSchema, codec: TapCodecSchema });
export type SavedTrack = z.infer<typeof SavedTrackSchema>;

export const SavedRunSchema = z.object({
  startedAtMs: z.number(),
  anchorMs: z.number().nullable(),
  endedAtMs: z.number().nullable(),
  exit: z.enum(['running', 'stopped', 'crashed']),
  /** The run's continuous file is complete (it stopped on the first SIGINT). */
  whole: z.boolean(),
  /** ffmpeg's process id, so a restarted recorder can stop a capture that outlived its parent. */
  pid: z.number().int().nullable(),
});
export type SavedRun = z.infer<typeof SavedRunSchema>;
