import type { Chapter, Comment, LibraryFile } from '@dualclass/protocol';
import { describe, expect, it } from 'vitest';
import { errorFromResponse } from './library-api.ts';
import {
  activeCommentIds,
  buildSearchParams,
  chapterIndexAt,
  downloadableFiles,
  emptyQuery,
  formatBytes,
  formatDuration,
  formatTimecode,
  fragmentWithoutToken,
  identityFromToken,
  LIBRARY_TOKEN_STORAGE_KEY,
  needsPolling,
  pageCount,
  parseSearchParams,
  playableUpload,
  progressPercent,
  resolveLibraryRoute,
  sortChapters,
  splitKnowledgePoints,
  takeLibraryToken,
  timedComments,
  toLibrarySearch,
  tokenFromFragment,
  uploadTypeOf,
  type TokenStore,
} from './library.ts';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwtFor = (payload: unknown) => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}.c2lnbmF0dXJl`;

class MemoryStore implements TokenStore {
  readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

describe('library token', () => {
  const token = jwtFor({ sub: 'usr_1', role: 'master_teacher', name: '王老师' });

  it('reads the role and name from the JWT payload (UTF-8, base64url)', () => {
    expect(identityFromToken(token)).toEqual({ role: 'master_teacher', name: '王老师', fromClaims: true });
    expect(identityFromToken(jwtFor({ sub: 'x', role: 'student', name: '' }))).toEqual({ role: 'student', name: null, fromClaims: true });
  });

  it('a JWT without a known role gives nothing; an opaque key is the admin API key', () => {
    expect(identityFromToken(jwtFor({ sub: 'x', role: 'principal' }))).toBeNull();
    expect(identityFromToken('aaaa.!!!!.bbbb')).toBeNull();
    expect(identityFromToken(`${b64url({})}.bm90IGpzb24.c2ln`)).toBeNull();
    expect(identityFromToken('Zk3pQ9x_2mV8sLr0TqYw4bNc1hJd7uEa')).toEqual({ role: 'admin', name: null, fromClaims: false });
    expect(identityFromToken('short')).toBeNull();
  });

  it('takes the token from the fragment, keeps it for the tab and hands back the fragment without it', () => {
    const store = new MemoryStore();
    expect(tokenFromFragment(`#token=${token}`)).toBe(token);
    expect(takeLibraryToken(`#token=${token}&x=1`, store)).toEqual({ token, cleanedHash: '#x=1' });
    expect(store.map.get(LIBRARY_TOKEN_STORAGE_KEY)).toBe(token);
    // A later page load without a fragment (entry link, reload) uses the kept one.
    expect(takeLibraryToken('', store)).toEqual({ token, cleanedHash: null });
    expect(fragmentWithoutToken(`#token=${token}`)).toBe('');
  });

  it('a malformed fragment token is dropped from the URL and never used', () => {
    const store = new MemoryStore();
    expect(takeLibraryToken('#token=<script>', store)).toEqual({ token: null, cleanedHash: '' });
    expect(store.map.size).toBe(0);
    expect(takeLibraryToken('', null)).toEqual({ token: null, cleanedHash: null });
  });
});

describe('library route', () => {
  it('maps /library and /library/<id>', () => {
    expect(resolveLibraryRoute('/library')).toEqual({ page: 'search' });
    expect(resolveLibraryRoute('/library/')).toEqual({ page: 'search' });
    expect(resolveLibraryRoute('/library/lib_123-x')).toEqual({ page: 'entry', id: 'lib_123-x' });
    expect(resolveLibraryRoute('/library/a/b')).toEqual({ page: 'notFound' });
    expect(resolveLibraryRoute('/library/..%2Fetc')).toEqual({ page: 'notFound' });
    expect(resolveLibraryRoute('/library/%E0%A4%A')).toEqual({ page: 'notFound' });
    expect(resolveLibraryRoute('/studio')).toBeNull();
    expect(resolveLibraryRoute('/')).toBeNull();
  });
});

describe('search query', () => {
  it('leaves out empty filters and page 1, trims text, keeps Chinese as is', () => {
    const params = buildSearchParams({ ...emptyQuery, q: '  楞次定律 ', subject: '物理', kind: 'recording' }, 12);
    expect(params.toString()).toBe(new URLSearchParams({ q: '楞次定律', subject: '物理', kind: 'recording', pageSize: '12' }).toString());
    expect(buildSearchParams(emptyQuery).toString()).toBe('');
    expect(buildSearchParams({ ...emptyQuery, page: 3 }).get('page')).toBe('3');
  });

  it('cuts text to the server’s limits', () => {
    expect(buildSearchParams({ ...emptyQuery, q: 'x'.repeat(150) }).get('q')).toHaveLength(100);
  });

  it('round-trips through the page URL and rejects junk', () => {
    const query = { ...emptyQuery, q: '电磁', grade: '八年级', teacher: '王老师', knowledgePoint: '楞次定律', school: '市一中', kind: 'upload' as const, page: 2 };
    expect(parseSearchParams(`?${buildSearchParams(query)}`)).toEqual(query);
    expect(parseSearchParams('?kind=video&page=-4')).toEqual(emptyQuery);
    expect(parseSearchParams('?page=2.5')).toEqual(emptyQuery);
  });

  it('builds the typed search object', () => {
    expect(toLibrarySearch({ ...emptyQuery, q: '楞次', page: 2 }, 20)).toEqual({ q: '楞次', page: 2, pageSize: 20 });
    expect(pageCount(0, 12)).toBe(1);
    expect(pageCount(25, 12)).toBe(3);
  });
});

describe('formatting', () => {
  it('durations as mm:ss, h:mm:ss from an hour on', () => {
    expect(formatDuration(0)).toBe('00:00');
    expect(formatDuration(59.9)).toBe('00:59');
    expect(formatDuration(754)).toBe('12:34');
    expect(formatDuration(3600)).toBe('1:00:00');
    expect(formatDuration(2 * 3600 + 5 * 60 + 7)).toBe('2:05:07');
    expect(formatDuration(-3)).toBe('00:00');
    expect(formatDuration(Number.NaN)).toBe('00:00');
  });

  it('gap timecodes always with hours', () => {
    expect(formatTimecode(724)).toBe('00:12:04');
    expect(formatTimecode(3 * 3600 + 1)).toBe('03:00:01');
  });

  it('sizes and progress', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(250 * 1024 * 1024)).toBe('250 MB');
    expect(progressPercent(0.424)).toBe(42);
    expect(progressPercent(null)).toBe(0);
    expect(progressPercent(1.3)).toBe(100);
  });
});

describe('playback', () => {
  const chapters: Chapter[] = [
    { atSeconds: 300, kind: 'quiz', title: '随堂测验' },
    { atSeconds: 0, kind: 'start', title: '开始上课' },
    { atSeconds: 120, kind: 'knowledge_point', title: '楞次定律' },
  ];

  it('the current chapter is the last one started', () => {
    const sorted = sortChapters(chapters);
    expect(sorted.map((c) => c.atSeconds)).toEqual([0, 120, 300]);
    expect(chapterIndexAt(sorted, 0)).toBe(0);
    expect(chapterIndexAt(sorted, 119)).toBe(0);
    expect(chapterIndexAt(sorted, 119.6)).toBe(1); // a seek to 120 that lands a little early
    expect(chapterIndexAt(sorted, 299)).toBe(1);
    expect(chapterIndexAt(sorted, 4000)).toBe(2);
    expect(chapterIndexAt(sortChapters([{ atSeconds: 10, kind: 'stage', title: 's' }]), 3)).toBe(-1);
    expect(chapterIndexAt([], 3)).toBe(-1);
  });

  it('comments light up for a few seconds as the playhead passes them', () => {
    const c = (id: string, lessonMs: number): Comment => ({ id, authorId: 'obs', authorName: '赵老师', text: id, lessonMs, createdAt: '2026-01-01T00:00:00.000Z' });
    const sorted = timedComments([c('b', 65_000), c('a', 10_000)]);
    expect(sorted.map((x) => [x.id, x.atSeconds])).toEqual([
      ['a', 10],
      ['b', 65],
    ]);
    expect([...activeCommentIds(sorted, 9)]).toEqual([]);
    expect([...activeCommentIds(sorted, 10)]).toEqual(['a']);
    expect([...activeCommentIds(sorted, 17.9)]).toEqual(['a']);
    expect([...activeCommentIds(sorted, 18)]).toEqual([]);
    expect([...activeCommentIds(sorted, 66)]).toEqual(['b']);
  });
});

describe('entries and files', () => {
  const file = (role: LibraryFile['role'], contentType = 'video/mp4'): LibraryFile => ({
    id: `f_${role}`,
    role,
    label: role,
    fileName: `${role}.bin`,
    contentType,
    bytes: 10,
    sha256: 'a'.repeat(64),
    durationSeconds: null,
  });

  it('polls while anything is recording or processing', () => {
    expect(needsPolling([{ status: 'ready' }, { status: 'processing' }])).toBe(true);
    expect(needsPolling([{ status: 'recording' }])).toBe(true);
    expect(needsPolling([{ status: 'ready' }, { status: 'failed' }])).toBe(false);
  });

  it('lists what people download; finds the MP4 an uploaded video plays from', () => {
    const files = [file('main'), file('thumbnail', 'image/jpeg'), file('hls', 'application/vnd.apple.mpegurl'), file('manifest', 'application/json'), file('angle')];
    expect(downloadableFiles(files).map((f) => f.role)).toEqual(['main', 'angle']);
    expect(playableUpload([file('upload', 'application/pdf')])).toBeNull();
    expect(playableUpload([file('upload')])?.id).toBe('f_upload');
  });

  it('accepts PDF, PPTX and MP4 by type or extension', () => {
    expect(uploadTypeOf({ name: 'a.PDF', type: '' })).toBe('application/pdf');
    expect(uploadTypeOf({ name: 'slides.pptx', type: 'application/octet-stream' })).toBe('application/vnd.openxmlformats-officedocument.presentationml.presentation');
    expect(uploadTypeOf({ name: 'x', type: 'video/mp4' })).toBe('video/mp4');
    expect(uploadTypeOf({ name: 'a.docx', type: 'application/msword' })).toBeNull();
  });

  it('splits knowledge points on Chinese and Latin separators', () => {
    expect(splitKnowledgePoints('电磁感应、楞次定律，右手定则; 电磁感应\n')).toEqual(['电磁感应', '楞次定律', '右手定则']);
    expect(splitKnowledgePoints(' , ')).toEqual([]);
  });
});

describe('library errors', () => {
  it('uses the server’s wire error, else the HTTP status', () => {
    const tooLarge = errorFromResponse(413, { error: { code: 'TOO_LARGE', message: 'over 500 MB' } });
    expect([tooLarge.code, tooLarge.message]).toEqual(['TOO_LARGE', 'over 500 MB']);
    expect(errorFromResponse(413, '<html>nginx</html>').code).toBe('TOO_LARGE');
    expect(errorFromResponse(403, null).code).toBe('FORBIDDEN');
    expect(errorFromResponse(429, null, '7').retryAfter).toBe(7);
    expect(errorFromResponse(502, null).code).toBe('UNAVAILABLE');
    expect(errorFromResponse(500, null).code).toBe('INTERNAL');
  });
});
