import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LibraryEntrySchema,
  LibraryFacetsSchema,
  LibrarySearchResultSchema,
  type Chapter,
  type Comment,
  type LibraryEntry,
  type LibraryTags,
  type RecordingManifest,
  type Role,
} from '@dualclass/protocol';
import { startPostgresServer, type PostgresServer } from '../../../infra/src/postgres-server.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { startLibraryServer, startSfuProcess, type LibraryTestServer } from '../testing/library-harness.ts';
import { LibraryTokens } from './library-tokens.ts';

/*
 * The library API over real HTTP on a real signaling server (connected to a real sfu-server process),
 * once on the embedded PGlite and once on a throwaway Debian PostgreSQL, with files in a real directory.
 */

const MAX_UPLOAD_MB = 1;
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

let sfu: Awaited<ReturnType<typeof startSfuProcess>>;
let postgres: PostgresServer;

beforeAll(async () => {
  [sfu, postgres] = await Promise.all([startSfuProcess(), startPostgresServer()]);
});
afterAll(async () => {
  await postgres?.stop();
  await sfu?.process.stop();
});

const tags = (over: Partial<LibraryTags> = {}): LibraryTags => ({
  title: '电磁感应',
  description: '',
  subject: '物理',
  grade: '九年级',
  teacherName: '王老师',
  school: '城关中学',
  knowledgePoints: [],
  ...over,
});

function pdf(bytes: number): Buffer {
  const b = randomBytes(bytes);
  b.write('%PDF-1.7\n', 0, 'latin1');
  return b;
}

describe.each([
  ['embedded PGlite', () => openDatabase({})],
  ['Debian PostgreSQL', () => openDatabase({ databaseUrl: postgres.url })],
])('library API on %s', (_engine, open) => {
  let db: Database;
  let lib: LibraryTestServer;
  const tokenFor = new Map<Role, string>();

  const api = (p: string, init: RequestInit & { as?: Role | 'admin-key' | null } = {}) => {
    const { as = 'admin-key', ...rest } = init;
    const headers = new Headers(rest.headers);
    if (as === 'admin-key') headers.set('authorization', `Bearer ${lib.adminApiKey}`);
    else if (as) headers.set('authorization', `Bearer ${tokenFor.get(as)}`);
    return fetch(`${lib.url}${p}`, { ...rest, headers });
  };
  const json = async <T = unknown>(p: string, init: Parameters<typeof api>[1] = {}): Promise<T> => {
    const res = await api(p, init);
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const errorOf = async (res: Response) => ({ status: res.status, body: await res.json() });

  const upload = (meta: unknown, file: { bytes: Buffer; type: string; name: string } | null, as: Role | 'admin-key' = 'master_teacher') => {
    const form = new FormData();
    form.set('metadata', typeof meta === 'string' ? meta : JSON.stringify(meta));
    if (file) form.set('file', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
    return api('/api/library/uploads', { method: 'POST', body: form, as });
  };

  const rows = async (sql: string, params: unknown[] = []) => db.query(sql, params);
  const count = async (table: string) => Number(((await rows(`SELECT count(*)::int AS n FROM ${table}`))[0] as { n: number }).n);

  beforeAll(async () => {
    db = await open();
    lib = await startLibraryServer(sfu, db, { LIBRARY_MAX_UPLOAD_MB: String(MAX_UPLOAD_MB) });
    for (const role of ['student', 'observer', 'master_teacher', 'local_teacher', 'admin'] as const) {
      const issued = await json<{ token: string; path: string }>('/api/library/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role, displayName: `${role} 测试` }),
      });
      tokenFor.set(role, issued.token);
    }
  });
  afterAll(async () => {
    await lib?.stop();
    await db?.close();
  });

  describe('authentication', () => {
    it('issues library tokens with the admin API key only, as a /library link', async () => {
      const res = await api('/api/library/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'observer', displayName: '教研员 李', ttlSeconds: 3600 }),
      });
      expect(res.status).toBe(201);
      const issued = (await res.json()) as { token: string; path: string; expiresAt: string };
      expect(issued.path).toBe(`/library#token=${issued.token}`);
      expect(Date.parse(issued.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
      const claims = await new LibraryTokens(lib.jwtSecret).verify(issued.token);
      expect(claims).toMatchObject({ role: 'observer', name: '教研员 李' });

      const byToken = await api('/api/library/tokens', {
        method: 'POST',
        as: 'admin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'admin', displayName: '自封' }),
      });
      expect(await errorOf(byToken)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      const bad = await api('/api/library/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"role":"king"}' });
      expect(await errorOf(bad)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', issues: expect.any(Array) } } });
    });

    it('refuses no token, a forged, an expired and a join token with 401, and accepts a student token', async () => {
      expect(await errorOf(await api('/api/library/entries', { as: null }))).toMatchObject({
        status: 401,
        body: { error: { code: 'UNAUTHENTICATED' } },
      });
      const forged = await new LibraryTokens(randomBytes(32).toString('base64url')).issue({ sub: 'usr_x', role: 'admin', name: '冒充' });
      const expired = await new LibraryTokens(lib.jwtSecret).issue({ sub: 'usr_y', role: 'observer', name: '过期' }, -60);
      const join = await lib.server.tokens.sign({ sub: 'par_z', lessonId: 'les_z', role: 'admin', name: '课堂', classroomId: null });
      for (const [token, message] of [
        [forged.token, 'invalid library token'],
        [expired.token, 'library token expired'],
        [join.token, 'invalid library token'],
        ['not-a-token-at-all-0123456789', 'invalid library token'],
      ] as const) {
        const res = await fetch(`${lib.url}/api/library/entries`, { headers: { authorization: `Bearer ${token}` } });
        expect(await errorOf(res)).toEqual({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message } } });
      }
      expect((await api('/api/library/entries', { as: 'student' })).status).toBe(200);
    });

    it('answers unknown library paths with a typed 404, not the admin guard', async () => {
      expect(await errorOf(await api('/api/library/nope', { as: 'student' }))).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    });
  });

  describe('search, filters, facets, pages', () => {
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      const seed: [string, Partial<LibraryTags>][] = [
        ['em', { title: '电磁感应', description: '法拉第的实验', knowledgePoints: ['法拉第定律', '楞次定律'] }],
        ['refraction', { title: '光的折射', subject: '物理', grade: '八年级', teacherName: '李老师', school: '实验中学', knowledgePoints: ['折射率'] }],
        ['fractions', { title: '分数的加减', subject: '数学', grade: '五年级', teacherName: '赵老师', school: '希望小学', knowledgePoints: ['通分'] }],
        ['percent', { title: '百分数 100%_满分', subject: '数学', grade: '六年级', teacherName: '赵老师', school: '希望小学' }],
        ['poem', { title: '静夜思', description: '李白 磁感 无关', subject: '语文', grade: '二年级', teacherName: '钱老师', school: '城关中学' }],
      ];
      for (const [key, over] of seed) {
        ids[key] = await lib.server.library.createRecordingEntry(`les_search_${key}`, tags(over));
      }
    });

    const search = (q: Record<string, string>) =>
      json<unknown>(`/api/library/entries?${new URLSearchParams(q)}`, { as: 'student' }).then((r) => LibrarySearchResultSchema.parse(r));

    it('finds Chinese by substring in title, description and knowledge points', async () => {
      expect((await search({ q: '磁感' })).items.map((i) => i.id).sort()).toEqual([ids.em, ids.poem].sort());
      expect((await search({ q: '楞次' })).items.map((i) => i.id)).toEqual([ids.em]);
      expect((await search({ q: '法拉第 实验' })).items.map((i) => i.id)).toEqual([ids.em]);
      expect((await search({ q: '量子' })).total).toBe(0);
      const hit = (await search({ q: '电磁感应' })).items[0]!;
      expect(hit).toMatchObject({ title: '电磁感应', kind: 'recording', status: 'recording', subject: '物理', knowledgePoints: ['法拉第定律', '楞次定律'] });
    });

    it('takes % and _ literally', async () => {
      expect((await search({ q: '%' })).items.map((i) => i.id)).toEqual([ids.percent]);
      expect((await search({ q: '0%_' })).items.map((i) => i.id)).toEqual([ids.percent]);
      expect((await search({ q: '_' })).items.map((i) => i.id)).toEqual([ids.percent]);
    });

    it('filters by subject, grade, school, teacher, exact knowledge point and kind', async () => {
      expect((await search({ subject: '数学' })).items.map((i) => i.id).sort()).toEqual([ids.fractions, ids.percent].sort());
      expect((await search({ subject: '数学', grade: '五年级' })).items.map((i) => i.id)).toEqual([ids.fractions]);
      expect((await search({ school: '实验中学' })).items.map((i) => i.id)).toEqual([ids.refraction]);
      expect((await search({ teacher: '赵老师', q: '百分' })).items.map((i) => i.id)).toEqual([ids.percent]);
      expect((await search({ knowledgePoint: '楞次定律' })).items.map((i) => i.id)).toEqual([ids.em]);
      expect((await search({ knowledgePoint: '楞次' })).total).toBe(0);
      expect((await search({ kind: 'recording', subject: '语文' })).items.map((i) => i.id)).toEqual([ids.poem]);
      expect((await search({ kind: 'upload', subject: '语文' })).total).toBe(0);
    });

    it('pages newest first', async () => {
      const newestFirst = [ids.poem, ids.percent, ids.fractions, ids.refraction, ids.em];
      const seen: string[] = [];
      for (const page of [1, 2, 3]) {
        const result = await search({ kind: 'recording', pageSize: '2', page: String(page) });
        expect(result).toMatchObject({ page, pageSize: 2, total: 5 });
        expect(result.items.length).toBe(page === 3 ? 1 : 2);
        seen.push(...result.items.map((i) => i.id));
      }
      expect(seen).toEqual(newestFirst);
      const beyond = await search({ page: '999', pageSize: '50' });
      expect(beyond).toMatchObject({ items: [], total: 5, page: 999 });
    });

    it('refuses malformed search parameters', async () => {
      for (const q of ['pageSize=1000', 'page=0', 'kind=video', 'color=red', 'q=']) {
        expect(await errorOf(await api(`/api/library/entries?${q}`, { as: 'student' }))).toMatchObject({
          status: 400,
          body: { error: { code: 'BAD_REQUEST' } },
        });
      }
    });

    it('lists facets, sorted and distinct', async () => {
      const facets = LibraryFacetsSchema.parse(await json('/api/library/facets', { as: 'student' }));
      expect(facets.subjects).toEqual(expect.arrayContaining(['物理', '数学', '语文']));
      expect(new Set(facets.subjects).size).toBe(facets.subjects.length);
      expect(facets.teachers).toEqual(expect.arrayContaining(['王老师', '李老师', '赵老师', '钱老师']));
      expect(facets.knowledgePoints).toEqual(expect.arrayContaining(['法拉第定律', '楞次定律', '折射率', '通分']));
      expect(facets.grades).toEqual([...facets.grades].sort());
      expect(facets.schools).toEqual(expect.arrayContaining(['城关中学', '实验中学', '希望小学']));
    });
  });

  describe('published recordings', () => {
    const lessonId = 'les_published_1';
    let entryId: string;
    const main = randomBytes(64_000);
    const thumb = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(2000)]);
    const playlist = Buffer.from('#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_000.m4s\n#EXT-X-ENDLIST\n');
    const init = randomBytes(800);
    const seg = randomBytes(30_000);
    const chapters: Chapter[] = [
      { atSeconds: 0, kind: 'start', title: '开始' },
      { atSeconds: 312.5, kind: 'quiz', title: '随堂测验：感应电流方向' },
    ];
    const comments: Comment[] = [
      { id: 'cmt_1', authorId: 'par_obs', authorName: '教研员 李', text: '这里的演示很清楚', lessonMs: 30_000, createdAt: new Date().toISOString() },
    ];
    const put = (key: string, bytes: Buffer, type: string) => lib.server.files.putStream(key, Readable.from([bytes]), type, 10_000_000);
    const manifest = (): RecordingManifest => ({
      lessonId,
      startedAt: '2026-03-02T01:00:00.000Z',
      endedAt: '2026-03-02T01:45:00.000Z',
      durationSeconds: 2640,
      playbackOffsetSeconds: 0.2,
      paused: [{ from: '2026-03-02T01:20:00.000Z', to: '2026-03-02T01:21:00.000Z' }],
      files: [
        { role: 'main', label: '主画面', storageKey: `recordings/${lessonId}/main.mp4`, fileName: '电磁感应-主画面.mp4', contentType: 'video/mp4', bytes: main.length, sha256: sha(main), durationSeconds: 2640 },
        { role: 'thumbnail', label: '封面', storageKey: `recordings/${lessonId}/thumb.jpg`, fileName: 'thumb.jpg', contentType: 'image/jpeg', bytes: thumb.length, sha256: sha(thumb), durationSeconds: null },
      ],
      hls: {
        playlist: 'index.m3u8',
        files: [
          { name: 'index.m3u8', storageKey: `recordings/${lessonId}/hls/index.m3u8`, contentType: 'application/vnd.apple.mpegurl' },
          { name: 'init.mp4', storageKey: `recordings/${lessonId}/hls/init.mp4`, contentType: 'video/mp4' },
          { name: 'seg_000.m4s', storageKey: `recordings/${lessonId}/hls/seg_000.m4s`, contentType: 'video/iso.segment' },
        ],
      },
      gaps: [{ track: '实验特写', fromSeconds: 600, toSeconds: 612, reason: 'feed dropped' }],
      tags: tags({ title: '电磁感应（录播）', knowledgePoints: ['法拉第定律'] }),
    });

    beforeAll(async () => {
      entryId = await lib.server.library.createRecordingEntry(lessonId, manifest().tags);
    });

    it('creates one entry per lesson and shows progress while processing', async () => {
      expect(await lib.server.library.createRecordingEntry(lessonId, manifest().tags)).toBe(entryId);
      await lib.server.library.setRecordingProgress(lessonId, 'processing', 0.4);
      const entry = LibraryEntrySchema.parse(await json(`/api/library/entries/${entryId}`, { as: 'student' }));
      expect(entry).toMatchObject({ status: 'processing', progress: 0.4, hlsPath: null, files: [], lessonId });
    });

    it('refuses to publish while a file is missing from the store, and leaves the entry processing', async () => {
      await expect(lib.server.library.publishRecording(lessonId, manifest(), chapters, comments)).rejects.toMatchObject({ code: 'INVALID_STATE' });
      expect(await json(`/api/library/entries/${entryId}`, { as: 'student' })).toMatchObject({ status: 'processing' });
    });

    it('publishes a manifest whose files are in the store: files, chapters, gaps, thumbnail and HLS', async () => {
      await put(`recordings/${lessonId}/main.mp4`, main, 'video/mp4');
      await put(`recordings/${lessonId}/thumb.jpg`, thumb, 'image/jpeg');
      await put(`recordings/${lessonId}/hls/index.m3u8`, playlist, 'application/vnd.apple.mpegurl');
      await put(`recordings/${lessonId}/hls/init.mp4`, init, 'video/mp4');
      await put(`recordings/${lessonId}/hls/seg_000.m4s`, seg, 'video/iso.segment');
      await lib.server.library.publishRecording(lessonId, manifest(), chapters, comments);
      // a late progress report or failure does not undo a published recording
      await lib.server.library.setRecordingProgress(lessonId, 'processing', 0.9);
      await lib.server.library.failRecording(lessonId, 'late');

      const res = await api(`/api/library/entries/${entryId}`, { as: 'observer' });
      const raw = await res.text();
      expect(raw).not.toContain('recordings/'); // storage keys never leave the server
      const entry = LibraryEntrySchema.parse(JSON.parse(raw));
      expect(entry).toMatchObject({
        status: 'ready',
        progress: null,
        title: '电磁感应（录播）',
        durationSeconds: 2640,
        hasThumbnail: true,
        chapters,
        gaps: manifest().gaps,
        failureReason: null,
        hlsPath: `/api/library/entries/${entryId}/hls/index.m3u8`,
      });
      expect(entry.files.map((f) => [f.role, f.fileName, f.bytes, f.sha256])).toEqual([
        ['main', '电磁感应-主画面.mp4', main.length, sha(main)],
        ['thumbnail', 'thumb.jpg', thumb.length, sha(thumb)],
      ]);

      const pl = await api(entry.hlsPath!, { as: 'student' });
      expect(pl.status).toBe(200);
      expect(pl.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
      expect(Buffer.from(await pl.arrayBuffer()).equals(playlist)).toBe(true);
      const segment = await api(`/api/library/entries/${entryId}/hls/seg_000.m4s`, { as: 'student' });
      expect(segment.headers.get('content-type')).toBe('video/iso.segment');
      expect(sha(Buffer.from(await segment.arrayBuffer()))).toBe(sha(seg));
      const part = await api(`/api/library/entries/${entryId}/hls/seg_000.m4s`, { as: 'student', headers: { range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${seg.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(seg.subarray(100, 200))).toBe(true);
      const thumbnail = await api(`/api/library/entries/${entryId}/thumbnail`, { as: 'student' });
      expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await thumbnail.arrayBuffer()).equals(thumb)).toBe(true);
    });

    it('refuses HLS names outside the published list, traversal included, with a typed error', async () => {
      for (const name of ['nope.m3u8', 'seg_001.m4s', 'main.mp4', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%2F..%2Fetc%2Fpasswd', 'index.m3u8%00', 'INDEX.M3U8']) {
        const res = await api(`/api/library/entries/${entryId}/hls/${name}`, { as: 'student' });
        const body = await errorOf(res);
        expect(body.status, name).toBe(404);
        expect(body.body, name).toMatchObject({ error: { code: 'NOT_FOUND' } });
      }
      // Raw, unnormalized dot segments (fetch resolves `..` and `%2e%2e` before sending).
      for (const raw of [
        `/api/library/entries/${entryId}/hls/../../etc/passwd`,
        `/api/library/entries/${entryId}/hls/../../../../../../etc/passwd`,
        `/api/library/entries/${entryId}/hls/%2e%2e`,
        `/api/library/entries/${entryId}/hls/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json`,
      ]) {
        const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest(`${lib.url}${raw}`, { headers: { authorization: `Bearer ${tokenFor.get('student')}` } }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          });
          req.path = raw;
          req.on('error', reject);
          req.end();
        });
        expect(status, raw).toBe(404);
        expect(JSON.parse(body), raw).toMatchObject({ error: { code: 'NOT_FOUND' } });
        expect(body).not.toContain('root:');
      }
      const otherEntry = await api(`/api/library/entries/ent_does_not_exist/hls/index.m3u8`, { as: 'student' });
      expect(await errorOf(otherEntry)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    });

    it('hides observer comments from students and shows them to observers and admins', async () => {
      const asStudent = LibraryEntrySchema.parse(await json(`/api/library/entries/${entryId}`, { as: 'student' }));
      expect(asStudent.comments).toEqual([]);
      const asObserver = LibraryEntrySchema.parse(await json(`/api/library/entries/${entryId}`, { as: 'observer' }));
      expect(asObserver.comments).toEqual(comments);
      expect((await json<LibraryEntry>(`/api/library/entries/${entryId}`)).comments).toEqual(comments);
    });

    it('records a failure with its reason', async () => {
      const failedId = await lib.server.library.createRecordingEntry('les_failed_1', tags({ title: '失败的录制' }));
      await lib.server.library.failRecording('les_failed_1', 'recorder crashed');
      expect(await json(`/api/library/entries/${failedId}`, { as: 'student' })).toMatchObject({
        status: 'failed',
        failureReason: 'recorder crashed',
        hlsPath: null,
      });
    });
  });

  describe('uploads and downloads', () => {
    it('round-trips a PDF: stored under ids, downloaded by ticket with the same bytes, counted', async () => {
      const bytes = pdf(300_000);
      const res = await upload(tags({ title: '电磁感应 讲义', knowledgePoints: ['法拉第定律'] }), {
        bytes,
        type: 'application/pdf',
        name: '电磁感应 讲义(第1版).pdf',
      });
      if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
      const entry = LibraryEntrySchema.parse(await res.json());
      expect(entry).toMatchObject({ kind: 'upload', status: 'ready', title: '电磁感应 讲义', downloadCount: 0, lessonId: null });
      const [file] = entry.files;
      expect(file).toMatchObject({ role: 'upload', fileName: '电磁感应 讲义(第1版).pdf', contentType: 'application/pdf', bytes: bytes.length, sha256: sha(bytes) });

      // On disk under ids only; the user's file name is metadata.
      const stored = await lib.storedFiles(`uploads/${entry.id}`);
      expect(stored).toEqual([`${file!.id}.pdf`]);
      expect(sha(await readFile(path.join(lib.storageDir, 'uploads', entry.id, `${file!.id}.pdf`)))).toBe(sha(bytes));
      expect(await rows('SELECT storage_key FROM library_files WHERE id = $1', [file!.id])).toEqual([
        { storage_key: `uploads/${entry.id}/${file!.id}.pdf` },
      ]);

      // Students may not download; observers may, and each ticket counts.
      const denied = await api(`/api/library/entries/${entry.id}/files/${file!.id}/download`, { method: 'POST', as: 'student' });
      expect(await errorOf(denied)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      const ticketRes = await api(`/api/library/entries/${entry.id}/files/${file!.id}/download`, { method: 'POST', as: 'observer' });
      expect(ticketRes.status).toBe(201);
      const ticket = (await ticketRes.json()) as { url: string; expiresAt: string };
      expect(ticket.url).toMatch(/^\/api\/library\/downloads\/[\w-]+\.[\w-]+\.[\w-]+$/);
      const ttl = Date.parse(ticket.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(4 * 60_000);
      expect(ttl).toBeLessThanOrEqual(5 * 60_000);

      const download = await fetch(`${lib.url}${ticket.url}`); // no bearer: the ticket is the authorization
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('application/pdf');
      const disposition = download.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^attachment;/);
      const encoded = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
      expect(encoded && decodeURIComponent(encoded)).toBe('电磁感应 讲义(第1版).pdf');
      expect(disposition).toMatch(/^[\x20-\x7e]+$/); // the header itself is ASCII (RFC 5987)
      const got = Buffer.from(await download.arrayBuffer());
      expect(got.length).toBe(bytes.length);
      expect(sha(got)).toBe(sha(bytes));
      const ranged = await fetch(`${lib.url}${ticket.url}`, { headers: { range: 'bytes=0-4' } });
      expect(ranged.status).toBe(206);
      expect(await ranged.text()).toBe('%PDF-');
      const unsatisfiable = await fetch(`${lib.url}${ticket.url}`, { headers: { range: `bytes=${bytes.length + 10}-` } });
      expect(unsatisfiable.status).toBe(416);
      expect(unsatisfiable.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

      const events = await rows('SELECT entry_id, file_id, user_role, user_name FROM library_downloads WHERE entry_id = $1', [entry.id]);
      expect(events).toEqual([{ entry_id: entry.id, file_id: file!.id, user_role: 'observer', user_name: 'observer 测试' }]);
      expect((await json<LibraryEntry>(`/api/library/entries/${entry.id}`, { as: 'student' })).downloadCount).toBe(1);
      await api(`/api/library/entries/${entry.id}/files/${file!.id}/download`, { method: 'POST', as: 'local_teacher' });
      expect((await json<LibraryEntry>(`/api/library/entries/${entry.id}`, { as: 'student' })).downloadCount).toBe(2);
      expect((await json<{ items: { id: string }[] }>(`/api/library/entries?kind=upload&q=${encodeURIComponent('讲义')}`, { as: 'student' })).items.map((i) => i.id)).toContain(entry.id);
    });

    it('refuses expired, forged and misused download tickets with 401', async () => {
      const res = await upload(tags({ title: '课件' }), { bytes: pdf(1000), type: 'application/pdf', name: 'a.pdf' });
      const entry = (await res.json()) as LibraryEntry;
      const fileId = entry.files[0]!.id;
      const expired = await new LibraryTokens(lib.jwtSecret).ticket({ sub: fileId, entryId: entry.id }, -30);
      const forged = await new LibraryTokens(randomBytes(32).toString('base64url')).ticket({ sub: fileId, entryId: entry.id });
      const accessToken = tokenFor.get('observer')!; // a library token is not a ticket
      for (const [t, message] of [
        [expired.token, 'download ticket expired'],
        [forged.token, 'invalid download ticket'],
        [accessToken, 'invalid download ticket'],
        ['garbage', 'invalid download ticket'],
      ] as const) {
        expect(await errorOf(await fetch(`${lib.url}/api/library/downloads/${t}`))).toEqual({
          status: 401,
          body: { error: { code: 'UNAUTHENTICATED', message } },
        });
      }
      // and a ticket is not a library token
      const ticket = await new LibraryTokens(lib.jwtSecret).ticket({ sub: fileId, entryId: entry.id });
      const asBearer = await fetch(`${lib.url}/api/library/entries`, { headers: { authorization: `Bearer ${ticket.token}` } });
      expect(asBearer.status).toBe(401);
    });

    it('accepts pptx and mp4 by their signatures', async () => {
      const pptx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(5000)]);
      const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom'), randomBytes(5000)]);
      const a = await upload(tags({ title: '幻灯片' }), { bytes: pptx, type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', name: '第三章.pptx' });
      expect(a.status).toBe(201);
      expect(((await a.json()) as LibraryEntry).files[0]).toMatchObject({ fileName: '第三章.pptx', sha256: sha(pptx) });
      const b = await upload(tags({ title: '实验视频' }), { bytes: mp4, type: 'video/mp4', name: '../../实验.mp4' }, 'admin-key');
      expect(b.status).toBe(201);
      expect(((await b.json()) as LibraryEntry).files[0]).toMatchObject({ fileName: '实验.mp4', sha256: sha(mp4) });
    });

    describe('failed uploads leave nothing behind', () => {
      let entriesBefore: number;
      let filesBefore: number;
      let storedBefore: string[];
      const snapshot = async () => [await count('library_entries'), await count('library_files'), await lib.storedFiles()] as const;
      beforeAll(async () => {
        [entriesBefore, filesBefore, storedBefore] = await snapshot();
      });
      const expectNothingLeft = async () => {
        const [entries, files, stored] = await snapshot();
        expect(entries).toBe(entriesBefore);
        expect(files).toBe(filesBefore);
        expect(stored).toEqual(storedBefore);
      };

      it('an oversized upload is 413 TOO_LARGE, found while streaming or from its declared length', async () => {
        // Just over the limit: the store counts the bytes and stops at the limit.
        const res = await upload(tags({ title: '太大了' }), { bytes: pdf(MAX_UPLOAD_MB * 1024 * 1024 + 20_000), type: 'application/pdf', name: 'big.pdf' });
        expect(await errorOf(res)).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE' } } });
        await expectNothingLeft();
        // Far over: refused from Content-Length before anything is stored.
        const huge = await upload(tags({ title: '太大了' }), { bytes: pdf(3 * MAX_UPLOAD_MB * 1024 * 1024), type: 'application/pdf', name: 'huge.pdf' });
        expect(await errorOf(huge)).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE' } } });
        await expectNothingLeft();
      });

      it('a streamed (chunked) oversized upload is stopped at the limit', async () => {
        const form = new FormData();
        form.set('metadata', JSON.stringify(tags({ title: '分块上传' })));
        form.set('file', new Blob([new Uint8Array(pdf(MAX_UPLOAD_MB * 1024 * 1024 + 200_000))], { type: 'application/pdf' }), 'chunked.pdf');
        const encoded = new Response(form);
        const res = await fetch(`${lib.url}/api/library/uploads`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokenFor.get('master_teacher')}`, 'content-type': encoded.headers.get('content-type')! },
          body: encoded.body, // a stream: sent chunked, no Content-Length
          duplex: 'half',
        } as RequestInit);
        expect(await errorOf(res)).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE' } } });
        await expectNothingLeft();
      });

      it('a file whose leading bytes do not match its type is 400', async () => {
        const fake = await upload(tags({ title: '假PDF' }), { bytes: Buffer.from('MZ\x90\x00 this is not a pdf at all'), type: 'application/pdf', name: 'x.pdf' });
        expect(await errorOf(fake)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'file content does not match its declared type' } } });
        const tiny = await upload(tags({ title: '太短' }), { bytes: Buffer.from('%PD'), type: 'application/pdf', name: 'x.pdf' });
        expect(await errorOf(tiny)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
        const zipAsMp4 = await upload(tags({ title: '错类型' }), { bytes: Buffer.from('PK\x03\x04rest'), type: 'video/mp4', name: 'x.mp4' });
        expect(zipAsMp4.status).toBe(400);
        await expectNothingLeft();
      });

      it('an unsupported type, bad metadata, a missing part or a student is refused', async () => {
        const text = await upload(tags(), { bytes: Buffer.from('hello'), type: 'text/plain', name: 'a.txt' });
        expect(await errorOf(text)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
        const badJson = await upload('{"title":', { bytes: pdf(1000), type: 'application/pdf', name: 'a.pdf' });
        expect(await errorOf(badJson)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'metadata is not valid JSON' } } });
        const badTags = await upload({ title: '' }, { bytes: pdf(1000), type: 'application/pdf', name: 'a.pdf' });
        expect(await errorOf(badTags)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', issues: expect.any(Array) } } });
        const noFile = await upload(tags(), null);
        expect(await errorOf(noFile)).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'file part missing' } } });
        const notMultipart = await api('/api/library/uploads', { method: 'POST', as: 'master_teacher', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(pdf(100)) });
        expect(notMultipart.status).toBe(400);
        const student = await upload(tags(), { bytes: pdf(1000), type: 'application/pdf', name: 'a.pdf' }, 'student');
        expect(await errorOf(student)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
        const anonymous = await fetch(`${lib.url}/api/library/uploads`, { method: 'POST', body: new FormData() });
        expect(anonymous.status).toBe(401);
        await expectNothingLeft();
      });
    });
  });
});
