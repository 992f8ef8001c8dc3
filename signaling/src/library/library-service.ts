import type { Logger } from 'pino';
import { z } from 'zod';
import {
  ChapterSchema,
  ClassroomError,
  CommentSchema,
  IdSchema,
  LibraryTagsSchema,
  RecordingManifestSchema,
  UPLOAD_TYPES,
  type Chapter,
  type Comment,
  type HlsFile,
  type LibraryEntry,
  type LibraryEntrySummary,
  type LibraryFacets,
  type LibraryFile,
  type LibrarySearch,
  type LibrarySearchResult,
  type LibraryTags,
  type RecordingGap,
  type RecordingManifest,
  type Role,
  type UploadContentType,
} from '@dualclass/protocol';
import { STORAGE_KEY_PATTERN, type FileStore } from '@dualclass/recorder/storage';
import { isoTime, type Database, type Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';

/** Who is asking: a library token's holder, or the admin API key. */
export interface LibraryPrincipal {
  sub: string;
  role: Role;
  name: string;
}

/** A file as the server sees it: what clients get, plus where it lives. */
export interface StoredLibraryFile extends LibraryFile {
  entryId: string;
  storageKey: string;
}

/** Where an upload goes before it has a database row: keys are built from fresh ids only. */
export interface UploadTarget {
  entryId: string;
  fileId: string;
  storageKey: string;
  contentType: UploadContentType;
  extension: string;
}

export interface StoredUpload {
  fileName: string;
  bytes: number;
  sha256: string;
}

interface EntryRow {
  id: string;
  kind: 'recording' | 'upload';
  status: LibraryEntry['status'];
  progress: number | null;
  lesson_id: string | null;
  title: string;
  description: string;
  subject: string;
  grade: string;
  teacher_name: string;
  school: string;
  knowledge_points: string[];
  duration_seconds: number | null;
  chapters: Chapter[];
  gaps: RecordingGap[];
  comments: Comment[];
  hls_playlist: string | null;
  hls_files: HlsFile[];
  thumbnail_file_id: string | null;
  failure_reason: string | null;
  download_count: number;
  created_at: Date | string;
}

interface FileRow {
  id: string;
  entry_id: string;
  role: LibraryFile['role'];
  label: string;
  file_name: string;
  content_type: string;
  bytes: number | string;
  sha256: string;
  storage_key: string;
  duration_seconds: number | null;
}

const ENTRY_COLUMNS = `id, kind, status, progress, lesson_id, title, description, subject, grade, teacher_name, school,
  knowledge_points, duration_seconds, chapters, gaps, comments, hls_playlist, hls_files, thumbnail_file_id,
  failure_reason, download_count, created_at`;
const FILE_COLUMNS = 'id, entry_id, role, label, file_name, content_type, bytes, sha256, storage_key, duration_seconds';

/** The text substring search runs over: title, description and every knowledge point. */
const searchText = (tags: LibraryTags) => [tags.title, tags.description, ...tags.knowledgePoints].join('\n');

/** `%`, `_` and the escape character itself match literally in LIKE patterns. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);


function toSummary(row: EntryRow): LibraryEntrySummary {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    progress: row.progress,
    title: row.title,
    description: row.description,
    subject: row.subject,
    grade: row.grade,
    teacherName: row.teacher_name,
    school: row.school,
    knowledgePoints: row.knowledge_points,
    lessonId: row.lesson_id,
    durationSeconds: row.duration_seconds,
    hasThumbnail: row.thumbnail_file_id !== null,
    downloadCount: Number(row.download_count),
    createdAt: isoTime(row.created_at),
  };
}

function toStoredFile(row: FileRow): StoredLibraryFile {
  return {
    id: row.id,
    entryId: row.entry_id,
    role: row.role,
    label: row.label,
    fileName: row.file_name,
    contentType: row.content_type,
    bytes: Number(row.bytes),
    sha256: row.sha256,
    durationSeconds: row.duration_seconds,
    storageKey: row.storage_key,
  };
}

function publicFile(f: StoredLibraryFile): LibraryFile {
  const { entryId: _e, storageKey: _k, ...file } = f;
  return file;
}

function idOrNotFound(id: string, what: string): string {
  if (!IdSchema.safeParse(id).success) throw new ClassroomError('NOT_FOUND', `${what} not found`);
  return id;
}

/**
 * The resource library (资源库): recordings that the recording coordinator creates, advances and publishes,
 * uploads, search and facets, and counted downloads. Rows live in the database; bytes in the FileStore.
 */
export class LibraryService {
  constructor(
    private readonly db: Database,
    private readonly files: FileStore,
    private readonly log?: Logger,
  ) {}

  // ── recordings (called by the recording coordinator) ───────────────────────────────────────

  /** The entry of the lesson's recording, created on first call with status `recording`; idempotent. */
  async createRecordingEntry(lessonId: string, tags: LibraryTags): Promise<string> {
    IdSchema.parse(lessonId);
    const t = LibraryTagsSchema.parse(tags);
    return this.#ensureRecordingEntry(this.db, lessonId, t);
  }

  /** Progress while recording and processing; ignored once the entry is ready or failed (a late report). */
  async setRecordingProgress(lessonId: string, status: 'recording' | 'processing', progress: number | null): Promise<void> {
    IdSchema.parse(lessonId);
    z.enum(['recording', 'processing']).parse(status);
    const p = progress === null ? null : Math.min(1, Math.max(0, progress));
    await this.db.query(
      `UPDATE library_entries SET status = $2, progress = $3, updated_at = now()
        WHERE lesson_id = $1 AND status IN ('recording', 'processing')`,
      [lessonId, status, Number.isFinite(p) ? p : null],
    );
  }

  /**
   * Turns the lesson's entry into a playable, downloadable recording. Every file the manifest names must
   * already be in the store (sizes checked), and the HLS playlist must be one of the HLS files. Publishing
   * again replaces the files (a retry after a crash is harmless).
   */
  async publishRecording(lessonId: string, manifest: RecordingManifest, chapters: Chapter[], comments: Comment[]): Promise<void> {
    IdSchema.parse(lessonId);
    const m = RecordingManifestSchema.parse(manifest);
    const ch = z.array(ChapterSchema).parse(chapters);
    const cm = z.array(CommentSchema).parse(comments);
    if (m.lessonId !== lessonId) throw new ClassroomError('BAD_REQUEST', 'manifest is for another lesson');
    await this.#verifyInStore(m);

    await this.db.transaction(async (tx) => {
      const entryId = await this.#ensureRecordingEntry(tx, lessonId, m.tags);
      // A recording is published twice: playable (master view and HLS) and then complete (other angles, stage).
      // A file already listed keeps its id, so download links and counts taken in between stay valid.
      const existing = await tx.query<{ id: string; storage_key: string }>('SELECT id, storage_key FROM library_files WHERE entry_id = $1', [entryId]);
      const idByKey = new Map(existing.map((row) => [row.storage_key, row.id]));
      const keys = m.files.map((f) => f.storageKey);
      for (const row of existing) if (!keys.includes(row.storage_key)) await tx.query('DELETE FROM library_files WHERE id = $1', [row.id]);
      // Out of the way of UNIQUE (entry_id, position) while rows are renumbered below.
      await tx.query('UPDATE library_files SET position = -position - 1 WHERE entry_id = $1', [entryId]);
      let thumbnailId: string | null = null;
      for (const [position, f] of m.files.entries()) {
        const id = idByKey.get(f.storageKey) ?? newId('fil');
        if (f.role === 'thumbnail' && thumbnailId === null) thumbnailId = id;
        await tx.query(
          `INSERT INTO library_files (id, entry_id, position, role, label, file_name, content_type, bytes, sha256, storage_key, duration_seconds)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (id) DO UPDATE SET position = $3, role = $4, label = $5, file_name = $6, content_type = $7, bytes = $8,
             sha256 = $9, duration_seconds = $11`,
          [id, entryId, position, f.role, f.label, sanitizeFileName(f.fileName, ''), f.contentType, f.bytes, f.sha256, f.storageKey, f.durationSeconds],
        );
      }
      await tx.query(
        `UPDATE library_entries SET status = 'ready', progress = NULL, failure_reason = NULL,
           title = $2, description = $3, subject = $4, grade = $5, teacher_name = $6, school = $7,
           knowledge_points = $8, search_text = $9, duration_seconds = $10, chapters = $11::jsonb, gaps = $12::jsonb,
           comments = $13::jsonb, hls_playlist = $14, hls_files = $15::jsonb, thumbnail_file_id = $16, updated_at = now()
         WHERE id = $1`,
        [
          entryId, m.tags.title, m.tags.description, m.tags.subject, m.tags.grade, m.tags.teacherName, m.tags.school,
          m.tags.knowledgePoints, searchText(m.tags), m.durationSeconds, JSON.stringify(ch), JSON.stringify(m.gaps),
          JSON.stringify(cm), m.hls?.playlist ?? null, JSON.stringify(m.hls?.files ?? []), thumbnailId,
        ],
      );
    });
    this.log?.info({ lessonId, files: m.files.length, hls: m.hls?.files.length ?? 0 }, 'recording published to the library');
  }

  /** Marks the lesson's recording failed with a reason people can read; a published recording stays published. */
  async failRecording(lessonId: string, reason: string): Promise<void> {
    IdSchema.parse(lessonId);
    await this.db.query(
      `UPDATE library_entries SET status = 'failed', progress = NULL, failure_reason = $2, updated_at = now()
        WHERE lesson_id = $1 AND status IN ('recording', 'processing')`,
      [lessonId, String(reason).slice(0, 2000)],
    );
  }

  // ── browsing ───────────────────────────────────────────────────────────────────────────────

  async search(params: LibrarySearch): Promise<LibrarySearchResult> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    for (const word of (params.q ?? '').split(/\s+/).filter(Boolean)) {
      where.push(`search_text ILIKE ${arg(`%${likeEscape(word)}%`)} ESCAPE '\\'`);
    }
    if (params.subject) where.push(`subject = ${arg(params.subject)}`);
    if (params.grade) where.push(`grade = ${arg(params.grade)}`);
    if (params.school) where.push(`school = ${arg(params.school)}`);
    if (params.teacher) where.push(`teacher_name = ${arg(params.teacher)}`);
    if (params.knowledgePoint) where.push(`${arg(params.knowledgePoint)} = ANY (knowledge_points)`);
    if (params.kind) where.push(`kind = ${arg(params.kind)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.db.query<{ total: number | string }>(
      `SELECT count(*)::int AS total FROM library_entries ${clause}`,
      args,
    )) as [{ total: number | string }];
    const rows = await this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM library_entries ${clause}
        ORDER BY created_at DESC, seq DESC LIMIT ${arg(params.pageSize)} OFFSET ${arg((params.page - 1) * params.pageSize)}`,
      args,
    );
    return { items: rows.map(toSummary), total: Number(total), page: params.page, pageSize: params.pageSize };
  }

  async facets(): Promise<LibraryFacets> {
    const distinct = async (from: string) =>
      (await this.db.query<{ v: string }>(`SELECT DISTINCT ${from} ORDER BY v`)).map((r) => r.v);
    // Independent reads: on a Postgres server they run side by side on the pool.
    const [subjects, grades, schools, teachers, knowledgePoints] = await Promise.all([
      distinct('subject AS v FROM library_entries'),
      distinct('grade AS v FROM library_entries'),
      distinct('school AS v FROM library_entries'),
      distinct('teacher_name AS v FROM library_entries'),
      distinct('kp AS v FROM library_entries, unnest(knowledge_points) AS kp'),
    ]);
    return { subjects, grades, schools, teachers, knowledgePoints };
  }

  /** One entry with its files; observer comments only for roles allowed to read them. */
  async getEntry(id: string, options: { withComments: boolean }): Promise<LibraryEntry> {
    const row = await this.#entryRow(this.db, id);
    const files = await this.db.query<FileRow>(`SELECT ${FILE_COLUMNS} FROM library_files WHERE entry_id = $1 ORDER BY position`, [row.id]);
    const playable = row.status === 'ready' && row.hls_playlist !== null;
    return {
      ...toSummary(row),
      chapters: row.chapters,
      gaps: row.gaps,
      files: files.map((f) => publicFile(toStoredFile(f))),
      hlsPath: playable ? `/api/library/entries/${row.id}/hls/${row.hls_playlist}` : null,
      comments: options.withComments ? row.comments : [],
      failureReason: row.failure_reason,
    };
  }

  /** An HLS file of a ready entry, by its exact name in the published list; anything else is NOT_FOUND. */
  async hlsFile(entryId: string, name: string): Promise<HlsFile> {
    const row = await this.#entryRow(this.db, entryId);
    const file = row.status === 'ready' ? row.hls_files.find((f) => f.name === name) : undefined;
    if (!file) throw new ClassroomError('NOT_FOUND', 'no such playlist or segment');
    return file;
  }

  async thumbnail(entryId: string): Promise<StoredLibraryFile> {
    const row = await this.#entryRow(this.db, entryId);
    if (!row.thumbnail_file_id) throw new ClassroomError('NOT_FOUND', 'entry has no thumbnail');
    return this.file(row.id, row.thumbnail_file_id);
  }

  async file(entryId: string, fileId: string): Promise<StoredLibraryFile> {
    idOrNotFound(entryId, 'entry');
    return toStoredFile(await this.#fileRow(this.db, entryId, fileId));
  }

  /** Counts one download of a ready entry's file (an event row and the entry's counter, together). */
  async recordDownload(entryId: string, fileId: string, who: LibraryPrincipal): Promise<StoredLibraryFile> {
    return this.db.transaction(async (tx) => {
      const entry = await this.#entryRow(tx, entryId);
      if (entry.status !== 'ready') throw new ClassroomError('INVALID_STATE', 'entry is not ready for download');
      const row = await this.#fileRow(tx, entry.id, fileId);
      await tx.query(
        'INSERT INTO library_downloads (entry_id, file_id, user_id, user_role, user_name) VALUES ($1, $2, $3, $4, $5)',
        [entry.id, row.id, who.sub, who.role, who.name],
      );
      await tx.query('UPDATE library_entries SET download_count = download_count + 1 WHERE id = $1', [entry.id]);
      return toStoredFile(row);
    });
  }

  // ── uploads ────────────────────────────────────────────────────────────────────────────────

  /** Fresh ids and the storage key for an upload of an accepted type; nothing is written yet. */
  uploadTarget(contentType: string): UploadTarget {
    if (!Object.hasOwn(UPLOAD_TYPES, contentType)) {
      throw new ClassroomError('BAD_REQUEST', `unsupported file type; accepted: ${Object.keys(UPLOAD_TYPES).join(', ')}`);
    }
    const type = contentType as UploadContentType;
    const entryId = newId('ent');
    const fileId = newId('fil');
    const extension = UPLOAD_TYPES[type];
    return { entryId, fileId, storageKey: `uploads/${entryId}/${fileId}.${extension}`, contentType: type, extension };
  }

  /** Records an upload whose bytes are already in the store; the entry is ready at once. */
  async addUpload(target: UploadTarget, tags: LibraryTags, stored: StoredUpload): Promise<LibraryEntry> {
    const t = LibraryTagsSchema.parse(tags);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO library_entries (id, kind, status, title, description, subject, grade, teacher_name, school, knowledge_points, search_text)
         VALUES ($1, 'upload', 'ready', $2, $3, $4, $5, $6, $7, $8, $9)`,
        [target.entryId, t.title, t.description, t.subject, t.grade, t.teacherName, t.school, t.knowledgePoints, searchText(t)],
      );
      await tx.query(
        `INSERT INTO library_files (id, entry_id, position, role, label, file_name, content_type, bytes, sha256, storage_key, duration_seconds)
         VALUES ($1, $2, 0, 'upload', $3, $4, $5, $6, $7, $8, NULL)`,
        [target.fileId, target.entryId, t.title, stored.fileName, target.contentType, stored.bytes, stored.sha256, target.storageKey],
      );
    });
    return this.getEntry(target.entryId, { withComments: false });
  }

  /** Removes whatever an unfinished upload left in the store. */
  async discardUpload(target: UploadTarget): Promise<void> {
    await this.files.deletePrefix(`uploads/${target.entryId}/`);
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  async #ensureRecordingEntry(q: Queryable, lessonId: string, t: LibraryTags): Promise<string> {
    // ON CONFLICT: a second call (or a concurrent one) finds the first call's row instead of failing.
    const inserted = await q.query<{ id: string }>(
      `INSERT INTO library_entries (id, kind, status, lesson_id, title, description, subject, grade, teacher_name, school, knowledge_points, search_text)
       VALUES ($1, 'recording', 'recording', $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (lesson_id) DO NOTHING RETURNING id`,
      [newId('ent'), lessonId, t.title, t.description, t.subject, t.grade, t.teacherName, t.school, t.knowledgePoints, searchText(t)],
    );
    if (inserted[0]) return inserted[0].id;
    const [existing] = await q.query<{ id: string }>('SELECT id FROM library_entries WHERE lesson_id = $1', [lessonId]);
    if (!existing) throw new ClassroomError('INTERNAL', 'recording entry vanished');
    return existing.id;
  }

  async #entryRow(q: Queryable, id: string): Promise<EntryRow> {
    const [row] = await q.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM library_entries WHERE id = $1`, [idOrNotFound(id, 'entry')]);
    if (!row) throw new ClassroomError('NOT_FOUND', 'entry not found');
    return row;
  }

  async #fileRow(q: Queryable, entryId: string, fileId: string): Promise<FileRow> {
    const [row] = await q.query<FileRow>(`SELECT ${FILE_COLUMNS} FROM library_files WHERE id = $1 AND entry_id = $2`, [
      idOrNotFound(fileId, 'file'),
      entryId,
    ]);
    if (!row) throw new ClassroomError('NOT_FOUND', 'file not found');
    return row;
  }

  /** The recorder promised these objects exist; check before anyone is offered a link to them. */
  async #verifyInStore(m: RecordingManifest): Promise<void> {
    const checks: { key: string; bytes?: number; what: string }[] = [
      ...m.files.map((f) => ({ key: f.storageKey, bytes: f.bytes, what: f.fileName })),
      ...(m.hls?.files ?? []).map((f) => ({ key: f.storageKey, what: f.name })),
    ];
    if (m.hls && !m.hls.files.some((f) => f.name === m.hls!.playlist)) {
      throw new ClassroomError('BAD_REQUEST', 'HLS playlist is not among the HLS files');
    }
    for (const c of checks) {
      if (!STORAGE_KEY_PATTERN.test(c.key)) throw new ClassroomError('BAD_REQUEST', `invalid storage key for ${c.what}`);
    }
    const queue = [...checks];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const stat = await this.files.stat(c.key);
        if (!stat) throw new ClassroomError('INVALID_STATE', `recording file missing from the store: ${c.what}`);
        if (c.bytes !== undefined && stat.bytes !== c.bytes) {
          throw new ClassroomError('INVALID_STATE', `recording file ${c.what} is ${stat.bytes} bytes, manifest says ${c.bytes}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, checks.length) }, worker));
  }
}

const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A user's file name made safe to show and to offer on download: no path, no control or bidi characters,
 * nothing Windows refuses, bounded length, and the extension of the type we accepted. Never used as a path.
 */
export function sanitizeFileName(name: string | undefined, extension: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  let clean = base.normalize('NFC').replace(UNSAFE_IN_NAMES, '_').replace(/\s+/g, ' ').trim().replace(/^[.\s]+|[.\s]+$/g, '');
  const ext = extension ? `.${extension}` : '';
  if (ext && clean.toLowerCase().endsWith(ext)) clean = clean.slice(0, -ext.length).replace(/[.\s]+$/g, '');
  clean = Array.from(clean).slice(0, 120).join('');
  if (!clean) clean = 'file';
  return `${clean}${ext}`;
}
