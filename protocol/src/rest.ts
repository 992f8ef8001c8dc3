import { z } from 'zod';
import { IdSchema, RoleSchema, textField } from './domain.ts';

export const CreateLessonSchema = z
  .object({
    title: textField(120),
    subject: textField(40),
    grade: textField(40),
    teacherName: textField(60),
    school: textField(80),
    knowledgePoints: z.array(textField(60)).max(20).default([]),
    scheduledAt: z.iso.datetime().nullable().default(null),
  })
  .strict();
export type CreateLesson = z.infer<typeof CreateLessonSchema>;

export const CreateClassroomSchema = z
  .object({
    name: textField(80),
    school: textField(80),
    localTeacherName: textField(60),
    rosterSize: z.number().int().min(0).max(500).default(0),
  })
  .strict();
export type CreateClassroom = z.infer<typeof CreateClassroomSchema>;

export const PairClassroomSchema = z.object({ classroomId: IdSchema }).strict();

export const IssueTokenSchema = z
  .object({
    role: RoleSchema,
    displayName: textField(60),
    /** Required for local_teacher and classroom_device; optional for students (their home classroom). */
    classroomId: IdSchema.optional(),
    ttlSeconds: z.number().int().min(30).max(12 * 60 * 60).optional(),
  })
  .strict();
export type IssueToken = z.infer<typeof IssueTokenSchema>;

export const IssuedTokenSchema = z.object({
  token: z.string(),
  participantId: IdSchema,
  expiresAt: z.iso.datetime(),
  /** Path of the client view for this role, with the token in the fragment so it never reaches server logs. */
  joinPath: z.string(),
});
export type IssuedToken = z.infer<typeof IssuedTokenSchema>;

const Ssrc = z.number().int().min(1).max(0xffffffff);

/** Plain RTP ingest (demo feed, encoders): the tracks an external sender will push. */
export const CreateIngestSchema = z
  .object({
    label: textField(40),
    /** Which kind of studio angle this encoder is: the teacher camera, a document camera / experiment close-up, or courseware. */
    source: z.enum(['camera', 'document', 'screen']).default('camera'),
    video: z
      .object({
        payloadType: z.number().int().min(96).max(127),
        /** A single-rendition encoder's SSRC. */
        ssrc: Ssrc.optional(),
        /**
         * A multi-rendition encoder's SSRCs, lowest resolution first: the SFU makes a simulcast producer, so big
         * screens get the top rendition and constrained viewers a lower one. Either this or `ssrc`.
         */
        ssrcs: z.array(Ssrc).min(2).max(3).optional(),
        /** H.264 records to MP4 and HLS without re-encoding; VP8 only to WebM. */
        mimeType: z.enum(['video/H264', 'video/VP8']).default('video/H264'),
      })
      .refine((v) => (v.ssrc === undefined) !== (v.ssrcs === undefined), 'give either ssrc or ssrcs')
      .refine((v) => new Set(v.ssrcs).size === (v.ssrcs?.length ?? 0), 'ssrcs must differ'),
    audio: z.object({ payloadType: z.number().int().min(96).max(127), ssrc: Ssrc }).optional(),
  })
  .strict();
export type CreateIngest = z.infer<typeof CreateIngestSchema>;
export const IngestInfoSchema = z.object({
  participantId: IdSchema,
  video: z.object({ ip: z.string(), port: z.number().int(), producerId: IdSchema }),
  audio: z.object({ ip: z.string(), port: z.number().int(), producerId: IdSchema }).optional(),
});
export type IngestInfo = z.infer<typeof IngestInfoSchema>;

export const JoinTokenClaimsSchema = z.object({
  sub: IdSchema, // participant id
  lessonId: IdSchema,
  role: RoleSchema,
  name: textField(60),
  classroomId: IdSchema.nullable(),
});
export type JoinTokenClaims = z.infer<typeof JoinTokenClaimsSchema>;

/** Client view per role; the token goes in the URL fragment. */
export const ROLE_VIEW_PATH = {
  master_teacher: '/studio',
  local_teacher: '/classroom',
  classroom_device: '/classroom',
  student: '/student',
  observer: '/observer',
  admin: '/admin',
} as const;
