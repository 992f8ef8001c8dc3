import { z } from 'zod';

export const ROLES = ['master_teacher', 'local_teacher', 'classroom_device', 'student', 'observer', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** Opaque ids: short url-safe strings we generate; never paths, never user text. */
export const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'invalid id');
export type Id = z.infer<typeof IdSchema>;

/** User-visible text: trimmed, bounded, no control characters. Rendered as inert text by clients. */
export const textField = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), 'control characters are not allowed');

export const LESSON_STATUSES = ['scheduled', 'live', 'ended'] as const;
export const LessonStatusSchema = z.enum(LESSON_STATUSES);
export type LessonStatus = z.infer<typeof LessonStatusSchema>;

export const LessonSchema = z.object({
  id: IdSchema,
  title: textField(120),
  subject: textField(40),
  grade: textField(40),
  teacherName: textField(60),
  school: textField(80),
  knowledgePoints: z.array(textField(60)).max(20),
  status: LessonStatusSchema,
  scheduledAt: z.iso.datetime().nullable(),
  startedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  classroomIds: z.array(IdSchema),
});
export type Lesson = z.infer<typeof LessonSchema>;

export const ClassroomSchema = z.object({
  id: IdSchema,
  name: textField(80),
  school: textField(80),
  localTeacherName: textField(60),
  rosterSize: z.number().int().min(0).max(500),
});
export type Classroom = z.infer<typeof ClassroomSchema>;

/** What a published track is, so rooms can lay it out: the studio's named angles, audio, and later room cameras. */
export const MEDIA_SOURCES = ['camera', 'microphone', 'document', 'screen'] as const;
export const MediaSourceSchema = z.enum(MEDIA_SOURCES);
export type MediaSource = z.infer<typeof MediaSourceSchema>;

export const MediaKindSchema = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKindSchema>;

export const CONNECTION_STATES = ['connected', 'reconnecting', 'left'] as const;

export const ParticipantSchema = z.object({
  id: IdSchema,
  lessonId: IdSchema,
  role: RoleSchema,
  displayName: textField(60),
  classroomId: IdSchema.nullable(),
  joinedAt: z.iso.datetime(),
  connection: z.enum(CONNECTION_STATES),
  /** When the participant (or, for a classroom device, its room) raised a hand; null when lowered. */
  handRaisedAt: z.iso.datetime().nullable(),
  onStage: z.boolean(),
});
export type Participant = z.infer<typeof ParticipantSchema>;

export const PublicationSchema = z.object({
  producerId: IdSchema,
  participantId: IdSchema,
  kind: MediaKindSchema,
  source: MediaSourceSchema,
  /** Human name of a studio angle, e.g. "教师特写". */
  label: textField(40),
  paused: z.boolean(),
  /** Paused by a teacher on the server; the owner cannot resume it. */
  hardMuted: z.boolean(),
  /**
   * Who may receive it: `all` for the studio and for anyone on stage; `staff` (teachers, observers, admins)
   * for a classroom's room camera and mic while it is off stage, which feed the studio's classroom wall.
   */
  audience: z.enum(['all', 'staff']),
  simulcastLayers: z.number().int().min(1).max(3),
});
export type Publication = z.infer<typeof PublicationSchema>;
