import {
  LIBRARY_ENTRY_KINDS,
  RoleSchema,
  UPLOAD_TYPES,
  type Chapter,
  type Comment,
  type LibraryEntrySummary,
  type LibraryFile,
  type LibrarySearch,
  type Role,
  type UploadContentType,
} from '@dualclass/protocol';
import { formatLessonTime } from './quiz.ts';

/**
 * Resource library (资源库) helpers: the library link and its token, the page route, the search query in the
 * page URL and in API calls, time formatting and "what is under the playhead". Pure and tested
 * (library.test.ts); the HTTP client is library-api.ts, the views are views/Library*.tsx.
 */

// ── token and link ─────────────────────────────────────────────────────────────────────────

export const LIBRARY_TOKEN_STORAGE_KEY = 'dualclass.libraryToken';

/**
 * A library token is a compact JWS; the admin API key (an opaque random string) is accepted by the server
 * too. Either way: url-safe characters only, bounded length. Anything else is not sent anywhere.
 */
const BEARER_SHAPE = /^[A-Za-z0-9_.~+/=-]{16,4096}$/;
const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+$/;

export function isBearerToken(value: string): boolean {
  return BEARER_SHAPE.test(value);
}

/** The token in a `/library#token=<jwt>` fragment, or null (none, or not a token). */
export function tokenFromFragment(hash: string): string | null {
  const fragment = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = fragment.get('token')?.trim();
  return token && isBearerToken(token) ? token : null;
}

/** The fragment with `token` removed ('' when nothing else was in it), for history.replaceState. */
export function fragmentWithoutToken(hash: string): string {
  const fragment = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  fragment.delete('token');
  const rest = fragment.toString();
  return rest ? `#${rest}` : '';
}

export interface LibraryIdentity {
  /** The role the page shows affordances for; the server decides what is allowed. */
  role: Role;
  name: string | null;
  /** The token was a JWT whose payload we could read (an opaque key is taken as the admin API key). */
  fromClaims: boolean;
}

function decodeBase64Url(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * What a token says about its holder, read from the JWT payload without verifying it: only to decide which
 * buttons to show. A token that is not a JWT is the admin API key (the only other bearer the library accepts);
 * a JWT whose payload has no known role gives null.
 */
export function identityFromToken(token: string): LibraryIdentity | null {
  if (!JWT_SHAPE.test(token)) return isBearerToken(token) ? { role: 'admin', name: null, fromClaims: false } : null;
  try {
    const payload: unknown = JSON.parse(decodeBase64Url(token.split('.')[1] ?? ''));
    if (!payload || typeof payload !== 'object') return null;
    const { role, name } = payload as { role?: unknown; name?: unknown };
    const parsed = RoleSchema.safeParse(role);
    if (!parsed.success) return null;
    return { role: parsed.data, name: typeof name === 'string' && name.trim() ? name.trim() : null, fromClaims: true };
  } catch {
    return null;
  }
}

/** Where the token is kept for this tab: sessionStorage, so a reload or an entry link keeps working. */
export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Takes the token from the fragment (keeping it in `store` and returning the fragment to put back without it),
 * else from `store`. The token never appears in a URL that is sent to the server.
 */
export function takeLibraryToken(hash: string, store: TokenStore | null): { token: string | null; cleanedHash: string | null } {
  const fromLink = tokenFromFragment(hash);
  if (fromLink) {
    try {
      store?.setItem(LIBRARY_TOKEN_STORAGE_KEY, fromLink);
    } catch {
      // storage blocked: the token lives for this page only
    }
    return { token: fromLink, cleanedHash: fragmentWithoutToken(hash) };
  }
  const hadToken = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash).has('token');
  let stored: string | null = null;
  try {
    stored = store?.getItem(LIBRARY_TOKEN_STORAGE_KEY) ?? null;
  } catch {
    stored = null;
  }
  return { token: stored && isBearerToken(stored) ? stored : null, cleanedHash: hadToken ? fragmentWithoutToken(hash) : null };
}

// ── route ──────────────────────────────────────────────────────────────────────────────────

export type LibraryRoute = { page: 'search' } | { page: 'entry'; id: string } | { page: 'notFound' };

const ENTRY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `/library` → search, `/library/<id>` → that entry; null when the path is not the library's. */
export function resolveLibraryRoute(pathname: string): LibraryRoute | null {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] !== 'library') return null;
  if (parts.length === 1) return { page: 'search' };
  const id = decodeSafe(parts[1] ?? '');
  if (parts.length === 2 && id && ENTRY_ID.test(id)) return { page: 'entry', id };
  return { page: 'notFound' };
}

function decodeSafe(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export const entryPath = (id: string) => `/library/${encodeURIComponent(id)}`;

// ── search query ───────────────────────────────────────────────────────────────────────────

export const LIBRARY_FILTERS = ['subject', 'grade', 'school', 'teacher', 'knowledgePoint'] as const;
export type LibraryFilter = (typeof LIBRARY_FILTERS)[number];

/** What the search form holds: '' for "any". Page is 1-based. */
export interface LibraryQuery {
  q: string;
  subject: string;
  grade: string;
  school: string;
  teacher: string;
  knowledgePoint: string;
  kind: '' | LibraryEntrySummary['kind'];
  page: number;
}

export const DEFAULT_PAGE_SIZE = 12;

export const emptyQuery: LibraryQuery = { q: '', subject: '', grade: '', school: '', teacher: '', knowledgePoint: '', kind: '', page: 1 };

const TEXT_LIMITS: Record<'q' | LibraryFilter, number> = { q: 100, subject: 40, grade: 40, school: 80, teacher: 60, knowledgePoint: 60 };

/**
 * Query string for `GET /api/library/entries` (and for the page URL, without pageSize): empty values are left
 * out, text is trimmed and cut to the server's limits, page 1 is implied.
 */
export function buildSearchParams(query: LibraryQuery, pageSize?: number): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ['q', ...LIBRARY_FILTERS] as const) {
    const value = query[key].trim().slice(0, TEXT_LIMITS[key]);
    if (value) params.set(key, value);
  }
  if (query.kind) params.set('kind', query.kind);
  if (query.page > 1) params.set('page', String(Math.floor(query.page)));
  if (pageSize !== undefined) params.set('pageSize', String(pageSize));
  return params;
}

/** The search form's state from the page URL's query (`/library?q=楞次&subject=物理&page=2`). */
export function parseSearchParams(search: string): LibraryQuery {
  const params = new URLSearchParams(search);
  const query: LibraryQuery = { ...emptyQuery };
  for (const key of ['q', ...LIBRARY_FILTERS] as const) query[key] = (params.get(key) ?? '').trim().slice(0, TEXT_LIMITS[key]);
  const kind = params.get('kind');
  query.kind = (LIBRARY_ENTRY_KINDS as readonly string[]).includes(kind ?? '') ? (kind as LibraryQuery['kind']) : '';
  const page = Number(params.get('page'));
  query.page = Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1;
  return query;
}

/** The API's search object for a form state (the typed counterpart of buildSearchParams). */
export function toLibrarySearch(query: LibraryQuery, pageSize = DEFAULT_PAGE_SIZE): LibrarySearch {
  const params = buildSearchParams(query, pageSize);
  const out: LibrarySearch = { page: query.page > 1 ? Math.floor(query.page) : 1, pageSize };
  for (const key of ['q', ...LIBRARY_FILTERS] as const) {
    const value = params.get(key);
    if (value) out[key] = value;
  }
  if (query.kind) out.kind = query.kind;
  return out;
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
}

// ── time and sizes ─────────────────────────────────────────────────────────────────────────

/** Duration as `mm:ss` under an hour, `h:mm:ss` from an hour on. */
export function formatDuration(seconds: number): string {
  return formatLessonTime(Number.isFinite(seconds) ? seconds * 1000 : 0);
}

/** Always `hh:mm:ss`, for gaps in a recording ("缺失 00:12:04–00:12:06"). */
export function formatTimecode(seconds: number): string {
  const total = Number.isFinite(seconds) ? Math.max(0, Math.floor(seconds)) : 0;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** 1536 → "1.5 KB"; whole bytes under 1 KB. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** 0..1 (or null) → a whole percentage for a progress bar. */
export function progressPercent(progress: number | null): number {
  if (progress === null || !Number.isFinite(progress)) return 0;
  return Math.round(Math.min(1, Math.max(0, progress)) * 100);
}

// ── playback: chapters and comments under the playhead ─────────────────────────────────────

/** Chapters in time order (the server's order is not relied on). */
export function sortChapters(chapters: readonly Chapter[]): Chapter[] {
  return [...chapters].sort((a, b) => a.atSeconds - b.atSeconds);
}

/**
 * Index (in `sorted`) of the chapter playing at `seconds`: the last one starting at or before it (with half
 * a second of slack, so a seek to a chapter lands in it), or -1 before the first.
 */
export function chapterIndexAt(sorted: readonly Chapter[], seconds: number): number {
  let found = -1;
  for (let i = 0; i < sorted.length; i += 1) {
    if ((sorted[i]?.atSeconds ?? Infinity) <= seconds + 0.5) found = i;
    else break;
  }
  return found;
}

/** How long after its time a comment stays highlighted as "now". */
export const COMMENT_HIGHLIGHT_SECONDS = 8;

export interface TimedComment extends Comment {
  /** Seconds into the recording. */
  atSeconds: number;
}

/** Comments in recording time order; lessonMs is read as milliseconds into the recording. */
export function timedComments(comments: readonly Comment[]): TimedComment[] {
  return comments.map((c) => ({ ...c, atSeconds: c.lessonMs / 1000 })).sort((a, b) => a.atSeconds - b.atSeconds || a.createdAt.localeCompare(b.createdAt));
}

/** Ids of comments whose time the playhead passed in the last COMMENT_HIGHLIGHT_SECONDS. */
export function activeCommentIds(sorted: readonly TimedComment[], seconds: number, window = COMMENT_HIGHLIGHT_SECONDS): Set<string> {
  const ids = new Set<string>();
  for (const c of sorted) if (c.atSeconds <= seconds + 0.25 && seconds - c.atSeconds < window) ids.add(c.id);
  return ids;
}

// ── entries and files ──────────────────────────────────────────────────────────────────────

/** How often a page with something still recording or processing asks again. */
export const LIBRARY_POLL_MS = 3000;

/** The list keeps polling while any entry on it is still being recorded or processed. */
export function needsPolling(entries: readonly Pick<LibraryEntrySummary, 'status'>[]): boolean {
  return entries.some((e) => e.status === 'processing' || e.status === 'recording');
}

/** Files a person downloads (thumbnails, manifests and HLS pieces are for the player). */
export function downloadableFiles(files: readonly LibraryFile[]): LibraryFile[] {
  return files.filter((f) => f.role !== 'thumbnail' && f.role !== 'manifest' && f.role !== 'hls');
}

/** The MP4 an uploaded video entry plays from (through a download ticket). */
export function playableUpload(files: readonly LibraryFile[]): LibraryFile | null {
  return files.find((f) => f.role === 'upload' && f.contentType === 'video/mp4') ?? null;
}

// ── upload ─────────────────────────────────────────────────────────────────────────────────

export const UPLOAD_ACCEPT = ['.pdf', '.pptx', '.mp4', ...Object.keys(UPLOAD_TYPES)].join(',');

const EXTENSION_TYPES: Record<string, UploadContentType> = {
  pdf: 'application/pdf',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  mp4: 'video/mp4',
};

/** The upload type of a chosen file, by its declared type or else its extension; null when not accepted. */
export function uploadTypeOf(file: { name: string; type: string }): UploadContentType | null {
  if (Object.hasOwn(UPLOAD_TYPES, file.type)) return file.type as UploadContentType;
  const ext = file.name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  return EXTENSION_TYPES[ext] ?? null;
}

/** "物理, 电磁感应、楞次定律" → ["物理", "电磁感应", "楞次定律"] (commas, 顿号, semicolons, new lines). */
export function splitKnowledgePoints(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[,，、;；\n]/)) {
    const p = part.trim().slice(0, 60);
    if (p) seen.add(p);
  }
  return [...seen].slice(0, 20);
}
