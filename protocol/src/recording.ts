import { z } from 'zod';
import { IdSchema, MediaKindSchema } from './domain.ts';
import type { RpcService } from './rpc-link/contract.ts';
import { LibraryFileSchema, LibraryTagsSchema, RecordingGapSchema } from './library.ts';

/*
 * Internal RPC: signaling → recorder. Signaling knows what is live and tells the recorder which producers to
 * record; the recorder taps them from the SFU node that holds them, writes segments, and on finish publishes verified files
 * into the file store and reports a manifest that signaling turns into a library entry.
 */

export const RECORDED_TRACK_ROLES = ['angle', 'audio', 'stage'] as const;
export const RecordedTrackRoleSchema = z.enum(RECORDED_TRACK_ROLES);
export type RecordedTrackRole = z.infer<typeof RecordedTrackRoleSchema>;

const Empty = z.object({});
const Lesson = { lessonId: IdSchema };

export const RecordingTrackSchema = z.object({
  producerId: IdSchema,
  participantId: IdSchema,
  kind: MediaKindSchema,
  role: RecordedTrackRoleSchema,
  label: z.string().max(80),
  /**
   * RPC URL of the SFU node the producer lives on, where the recorder taps it (a cluster places media on several
   * nodes). Left out, the recorder taps its own SFU_URL.
   */
  sfuUrl: z.url({ protocol: /^https?$/ }).max(300).optional(),
});
export type RecordingTrack = z.infer<typeof RecordingTrackSchema>;

export const RECORDING_PHASES = ['recording', 'paused', 'finalizing', 'published', 'failed'] as const;
export const RecordingPhaseSchema = z.enum(RECORDING_PHASES);
export type RecordingPhase = z.infer<typeof RecordingPhaseSchema>;

/** A published file as the recorder stored it: the library's file shape, with the store key instead of an id. */
export const ManifestFileSchema = LibraryFileSchema.omit({ id: true }).extend({
  /** Key in the file store, chosen by the recorder from ids only. */
  storageKey: z.string(),
});
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

export const HlsFileSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}\.(m3u8|m4s|mp4)$/),
  storageKey: z.string(),
  contentType: z.string(),
});
export type HlsFile = z.infer<typeof HlsFileSchema>;

export const RecordingManifestSchema = z.object({
  lessonId: IdSchema,
  /** Wall clock of recording time 0 (the lesson start as recorded). */
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  durationSeconds: z.number().min(0),
  /**
   * Recording time at HLS playback position 0: HLS players start at the first media sample, which comes a moment
   * after the recording began. Chapter and comment times subtract it.
   */
  playbackOffsetSeconds: z.number().min(0),
  /** Wall-clock stretches the master paused recording, cut from the published timeline. */
  paused: z.array(z.object({ from: z.iso.datetime(), to: z.iso.datetime() })),
  files: z.array(ManifestFileSchema),
  hls: z.object({ playlist: z.string(), files: z.array(HlsFileSchema) }).nullable(),
  gaps: z.array(RecordingGapSchema),
  tags: LibraryTagsSchema,
});
export type RecordingManifest = z.infer<typeof RecordingManifestSchema>;

export const RecordingStatusSchema = z.object({
  lessonId: IdSchema,
  phase: RecordingPhaseSchema,
  progress: z.number().min(0).max(1).nullable(),
  tracks: z.number().int().min(0),
});
export type RecordingStatus = z.infer<typeof RecordingStatusSchema>;

export const recorderRpcMethods = {
  'recording.start': { params: z.object({ ...Lesson, tags: LibraryTagsSchema, startedAt: z.iso.datetime() }), result: RecordingStatusSchema },
  'recording.addTrack': { params: z.object({ ...Lesson, track: RecordingTrackSchema }), result: Empty },
  'recording.removeTrack': { params: z.object({ ...Lesson, producerId: IdSchema }), result: Empty },
  'recording.setPaused': { params: z.object({ ...Lesson, paused: z.boolean() }), result: RecordingStatusSchema },
  /** Lesson over: stop taps and finalize in the background; progress and the result come as notifications. */
  'recording.finish': { params: z.object({ ...Lesson, endedAt: z.iso.datetime() }), result: RecordingStatusSchema },
  'recording.status': { params: z.object(Lesson), result: RecordingStatusSchema },
} as const satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;

export const recorderNotifications = {
  'recording.progress': z.object({ ...Lesson, phase: RecordingPhaseSchema, progress: z.number().min(0).max(1).nullable() }),
  /** The master view and its HLS are verified and stored: the entry can be played while the rest is finished. */
  'recording.playable': z.object({ ...Lesson, manifest: RecordingManifestSchema }),
  'recording.published': z.object({ ...Lesson, manifest: RecordingManifestSchema }),
  'recording.failed': z.object({ ...Lesson, reason: z.string() }),
} as const satisfies Record<string, z.ZodType>;

export const recorderService = {
  name: 'recorder',
  path: '/recorder-rpc',
  methods: recorderRpcMethods,
  notifications: recorderNotifications,
} as const satisfies RpcService<typeof recorderRpcMethods, typeof recorderNotifications>;
