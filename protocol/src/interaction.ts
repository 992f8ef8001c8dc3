import { z } from 'zod';
import { IdSchema, MediaKindSchema, RoleSchema, textField } from './domain.ts';

/* Stage (连麦), hands and hard mute ---------------------------------------------------------------- */

export const DEFAULT_STAGE_LIMIT = 4;

export const StageStateSchema = z.object({
  limit: z.number().int().min(1).max(16),
  /** Participant ids on stage, in the order they were invited. */
  members: z.array(IdSchema),
});
export type StageState = z.infer<typeof StageStateSchema>;

/** Link health a classroom device or student reports from its own getStats, for the studio's classroom wall. */
export const HealthReportSchema = z
  .object({
    state: z.enum(['new', 'connecting', 'connected', 'disconnected', 'failed']),
    sendBitrateKbps: z.number().min(0).max(100_000),
    recvBitrateKbps: z.number().min(0).max(100_000),
    lossPct: z.number().min(0).max(100),
    rttMs: z.number().min(0).max(60_000),
    audioLevel: z.number().min(0).max(1),
  })
  .strict();
export type HealthReport = z.infer<typeof HealthReportSchema>;
export const ParticipantHealthSchema = HealthReportSchema.extend({ participantId: IdSchema, reportedAt: z.iso.datetime() });
export type ParticipantHealth = z.infer<typeof ParticipantHealthSchema>;

export const MuteRequestSchema = z.object({ participantId: IdSchema, kind: MediaKindSchema, muted: z.boolean() }).strict();

/* Quizzes (答题器) -------------------------------------------------------------------------------- */

export const QUIZ_KINDS = ['single', 'multiple', 'true_false'] as const;
export const QuizKindSchema = z.enum(QUIZ_KINDS);
export type QuizKind = z.infer<typeof QuizKindSchema>;

export const OptionIdSchema = z.enum(['A', 'B', 'C', 'D', 'E', 'F']);
export type OptionId = z.infer<typeof OptionIdSchema>;

export const QuizLaunchSchema = z
  .object({
    question: textField(500),
    kind: QuizKindSchema,
    /** For true_false, exactly two options: A = 对/true, B = 错/false. */
    options: z.array(z.object({ id: OptionIdSchema, text: textField(200) }).strict()).min(2).max(6),
    correct: z.array(OptionIdSchema).min(1).max(6),
    knowledgePoint: textField(60),
    timeLimitSeconds: z.number().int().min(5).max(600),
  })
  .strict()
  .superRefine((q, ctx) => {
    const ids = q.options.map((o) => o.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'option ids must be unique' });
    if (q.correct.some((c) => !ids.includes(c))) ctx.addIssue({ code: 'custom', path: ['correct'], message: 'correct answer is not an option' });
    if (q.kind !== 'multiple' && q.correct.length !== 1) ctx.addIssue({ code: 'custom', path: ['correct'], message: 'exactly one correct answer' });
    if (q.kind === 'true_false' && q.options.length !== 2) ctx.addIssue({ code: 'custom', path: ['options'], message: 'true/false has two options' });
  });
export type QuizLaunch = z.infer<typeof QuizLaunchSchema>;

export const QuizStatusSchema = z.enum(['open', 'closed', 'revealed']);

/** A quiz as participants see it; `correct` is present for the master always and for everyone after reveal. */
export const QuizSchema = z.object({
  id: IdSchema,
  question: z.string(),
  kind: QuizKindSchema,
  options: z.array(z.object({ id: OptionIdSchema, text: z.string() })),
  knowledgePoint: z.string(),
  timeLimitSeconds: z.number().int(),
  launchedAt: z.iso.datetime(),
  closesAt: z.iso.datetime(),
  status: QuizStatusSchema,
  correct: z.array(OptionIdSchema).optional(),
});
export type Quiz = z.infer<typeof QuizSchema>;

export const QuizAnswerSchema = z
  .object({
    quizId: IdSchema,
    choice: z.array(OptionIdSchema).min(1).max(6),
    /** Local teachers and classroom devices answer for the whole room; students answer for themselves. */
    forClassroom: z.boolean().default(false),
  })
  .strict();

export const AnswerTallySchema = z.object({ answers: z.number().int(), correct: z.number().int(), accuracy: z.number().min(0).max(1) });
export const QuizResultsSchema = z.object({
  quizId: IdSchema,
  overall: AnswerTallySchema,
  perOption: z.record(OptionIdSchema, z.number().int()),
  perClassroom: z.array(AnswerTallySchema.extend({ classroomId: IdSchema, classroomAnswer: z.array(OptionIdSchema).nullable() })),
});
export type QuizResults = z.infer<typeof QuizResultsSchema>;

/* Chat, reactions, messages, comments, attendance -------------------------------------------------- */

export const ChatMessageSchema = z.object({
  id: IdSchema,
  participantId: IdSchema,
  displayName: z.string(),
  role: RoleSchema,
  kind: z.enum(['chat', 'question']),
  text: z.string(),
  sentAt: z.iso.datetime(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;
export const ChatSendSchema = z.object({ text: textField(500), kind: z.enum(['chat', 'question']).default('chat') }).strict();

export const REACTIONS = ['like', 'clap', 'heart', 'wow', 'question'] as const;
export const ReactionSchema = z.enum(REACTIONS);

export const PrivateMessageSchema = z.object({
  id: IdSchema,
  fromId: IdSchema,
  fromName: z.string(),
  classroomId: IdSchema.nullable(),
  text: z.string(),
  sentAt: z.iso.datetime(),
});
export type PrivateMessage = z.infer<typeof PrivateMessageSchema>;

/** Observer comments: visible to teachers, observers and admins only; `lessonMs` places them on the recording. */
export const CommentSchema = z.object({
  id: IdSchema,
  authorId: IdSchema,
  authorName: z.string(),
  text: z.string(),
  lessonMs: z.number().int().min(0),
  createdAt: z.iso.datetime(),
});
export type Comment = z.infer<typeof CommentSchema>;

export const AttendanceSchema = z.object({
  classroomId: IdSchema,
  present: z.number().int().min(0),
  rosterSize: z.number().int().min(0),
  /** Students who checked in on their own devices. */
  checkedIn: z.array(z.object({ participantId: IdSchema, displayName: z.string(), at: z.iso.datetime() })),
  recordedAt: z.iso.datetime().nullable(),
});
export type Attendance = z.infer<typeof AttendanceSchema>;

/* Lesson timeline ---------------------------------------------------------------------------------- */

export const TIMELINE_TYPES = [
  'lesson_start',
  'lesson_end',
  'hand_raise',
  'hand_lower',
  'stage_on',
  'stage_off',
  'mute',
  'unmute',
  'quiz_start',
  'quiz_answer',
  'quiz_close',
  'quiz_reveal',
  'chat',
  'chat_delete',
  'chat_toggle',
  'comment',
  'attendance',
  'check_in',
  'private_message',
  'knowledge_point',
] as const;
export const TimelineTypeSchema = z.enum(TIMELINE_TYPES);
export type TimelineType = z.infer<typeof TimelineTypeSchema>;

export const TimelineEventSchema = z.object({
  id: IdSchema,
  lessonId: IdSchema,
  type: TimelineTypeSchema,
  at: z.iso.datetime(),
  /** Milliseconds since the lesson started (0 before it starts), for chapters on the recording. */
  lessonMs: z.number().int().min(0),
  actorId: IdSchema.nullable(),
  subjectId: IdSchema.nullable(),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;
