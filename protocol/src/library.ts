import { z } from 'zod';
import { IdSchema, RoleSchema, textField } from './domain.ts';
import { CommentSchema } from './interaction.ts';

/*
 * Resource library (资源库): lesson recordings, published automatically by the recorder, and uploaded
 * resources (courseware PDFs, slides, videos). Served by signaling under /api/library.
 */

export const LIBRARY_ENTRY_KINDS = ['recording', 'upload'] as const;
export const LibraryEntryKindSchema = z.enum(LIBRARY_ENTRY_KINDS);

/** A recording is `processing` from lesson end until its outputs are verified; uploads are `ready` at once. */
export const LIBRARY_STATUSES = ['recording', 'processing', 'ready', 'failed'] as const;
export const LibraryStatusSchema = z.enum(LIBRARY_STATUSES);
export type LibraryStatus = z.infer<typeof LibraryStatusSchema>;

/** The tags every entry carries, recordings (from the lesson) and uploads (from the form) alike. */
export const LibraryTagsSchema = z
  .object({
    title: textField(120),
    description: z.string().trim().max(2000).default(''),
    subject: textField(40),
    grade: textField(40),
    teacherName: textField(60),
    school: textField(80),
    knowledgePoints: z.array(textField(60)).max(20).default([]),
  })
  .strict();
export type LibraryTags = z.infer<typeof LibraryTagsSchema>;

export const CHAPTER_KINDS = ['start', 'quiz', 'stage', 'knowledge_point'] as const;
export const ChapterSchema = z.object({
  /** Seconds from the start of the published recording. */
  atSeconds: z.number().min(0),
  kind: z.enum(CHAPTER_KINDS),
  title: z.string(),
});
export type Chapter = z.infer<typeof ChapterSchema>;

/** A stretch of the lesson a track lost (recorder crash, dropped feed): listed, never fatal. */
export const RecordingGapSchema = z.object({
  track: z.string(),
  fromSeconds: z.number().min(0),
  toSeconds: z.number().min(0),
  reason: z.string(),
});
export type RecordingGap = z.infer<typeof RecordingGapSchema>;

export const LIBRARY_FILE_ROLES = ['main', 'angle', 'stage', 'hls', 'thumbnail', 'manifest', 'upload'] as const;
export const LibraryFileRoleSchema = z.enum(LIBRARY_FILE_ROLES);
export type LibraryFileRole = z.infer<typeof LibraryFileRoleSchema>;

/** One downloadable or playable file. The id is opaque; the storage key never leaves the server. */
export const LibraryFileSchema = z.object({
  id: IdSchema,
  role: LibraryFileRoleSchema,
  label: z.string(),
  /** Name offered to the browser on download (sanitized, never used as a path). */
  fileName: z.string(),
  contentType: z.string(),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  durationSeconds: z.number().min(0).nullable(),
});
export type LibraryFile = z.infer<typeof LibraryFileSchema>;

export const LibraryEntrySummarySchema = z.object({
  id: IdSchema,
  kind: LibraryEntryKindSchema,
  status: LibraryStatusSchema,
  /** 0..1 while processing, so the UI can show a progress bar; null otherwise. */
  progress: z.number().min(0).max(1).nullable(),
  title: z.string(),
  description: z.string(),
  subject: z.string(),
  grade: z.string(),
  teacherName: z.string(),
  school: z.string(),
  knowledgePoints: z.array(z.string()),
  lessonId: IdSchema.nullable(),
  durationSeconds: z.number().min(0).nullable(),
  hasThumbnail: z.boolean(),
  downloadCount: z.number().int().min(0),
  createdAt: z.iso.datetime(),
});
export type LibraryEntrySummary = z.infer<typeof LibraryEntrySummarySchema>;

export const LibraryEntrySchema = LibraryEntrySummarySchema.extend({
  chapters: z.array(ChapterSchema),
  gaps: z.array(RecordingGapSchema),
  files: z.array(LibraryFileSchema),
  /** Path of the HLS master playlist under /api/library, when the entry is playable. */
  hlsPath: z.string().nullable(),
  /** Observer comments at their place on the recording; only for roles that may read comments, else empty. */
  comments: z.array(CommentSchema),
  failureReason: z.string().nullable(),
});
export type LibraryEntry = z.infer<typeof LibraryEntrySchema>;

const optionalFilter = (max: number) => z.string().trim().min(1).max(max).optional();
export const LibrarySearchSchema = z
  .object({
    /** Words in title, description or knowledge points; Chinese works by substring. */
    q: optionalFilter(100),
    subject: optionalFilter(40),
    grade: optionalFilter(40),
    school: optionalFilter(80),
    teacher: optionalFilter(60),
    knowledgePoint: optionalFilter(60),
    kind: LibraryEntryKindSchema.optional(),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();
export type LibrarySearch = z.infer<typeof LibrarySearchSchema>;

export const LibrarySearchResultSchema = z.object({
  items: z.array(LibraryEntrySummarySchema),
  total: z.number().int().min(0),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export type LibrarySearchResult = z.infer<typeof LibrarySearchResultSchema>;

/** Distinct values for the filter dropdowns. */
export const LibraryFacetsSchema = z.object({
  subjects: z.array(z.string()),
  grades: z.array(z.string()),
  schools: z.array(z.string()),
  teachers: z.array(z.string()),
  knowledgePoints: z.array(z.string()),
});
export type LibraryFacets = z.infer<typeof LibraryFacetsSchema>;

/** A short-lived link for one authorized download; asking for it counts the download. */
export const DownloadTicketSchema = z.object({ url: z.string(), expiresAt: z.iso.datetime() });
export type DownloadTicket = z.infer<typeof DownloadTicketSchema>;

/** Library access for people outside a live lesson (teachers preparing, observers, school leaders). */
export const IssueLibraryTokenSchema = z
  .object({ role: RoleSchema, displayName: textField(60), ttlSeconds: z.number().int().min(60).max(30 * 24 * 3600).optional() })
  .strict();
export type IssueLibraryToken = z.infer<typeof IssueLibraryTokenSchema>;
export const LibraryTokenClaimsSchema = z.object({ sub: IdSchema, role: RoleSchema, name: textField(60) });
export type LibraryTokenClaims = z.infer<typeof LibraryTokenClaimsSchema>;
export const IssuedLibraryTokenSchema = z.object({ token: z.string(), expiresAt: z.iso.datetime(), path: z.string() });
export type IssuedLibraryToken = z.infer<typeof IssuedLibraryTokenSchema>;

/** Upload types the library accepts, checked against the file's leading bytes, not only its declared type. */
export const UPLOAD_TYPES = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'video/mp4': 'mp4',
} as const;
export type UploadContentType = keyof typeof UPLOAD_TYPES;
