import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClassroomError, type CreateLesson, type TimelineEvent } from '@dualclass/protocol';
import { startPostgresServer, type PostgresServer } from '../../../infra/src/postgres-server.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { newId } from '../ids.ts';
import { DbTimelineStore } from '../timeline/db-timeline-store.ts';
import { DbLessonStore } from './db-lesson-store.ts';

/*
 * The LessonStore and TimelineStore contract, once on the embedded PGlite and once on a throwaway Debian
 * PostgreSQL. On PostgreSQL the "other node" is a second connection pool, as a second signaling process has.
 */

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgresServer();
});
afterAll(async () => {
  await postgres?.stop();
});

const lessonInput = (over: Partial<CreateLesson> = {}): CreateLesson => ({
  title: '电磁感应',
  subject: '物理',
  grade: '九年级',
  teacherName: '王老师',
  school: '城关中学',
  knowledgePoints: ['楞次定律', '法拉第定律'],
  scheduledAt: '2026-03-02T01:30:00.000Z',
  ...over,
});
const classroomInput = { name: '七年级二班', school: '县第二小学', localTeacherName: '李老师', rosterSize: 42 };

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return isClassroomError(err) ? `${err.code}: ${err.message}` : String(err);
  }
}

describe.each([
  ['embedded PGlite', async () => {
    const db = await openDatabase({});
    return { db, peer: db, close: () => db.close() };
  }],
  ['Debian PostgreSQL', async () => {
    const [db, peer] = await Promise.all([openDatabase({ databaseUrl: postgres.url }), openDatabase({ databaseUrl: postgres.url })]);
    return { db, peer, close: async () => void (await Promise.all([db.close(), peer.close()])) };
  }],
])('lesson and timeline stores on %s', (_engine, open) => {
  let db: Database;
  let store: DbLessonStore;
  let otherNode: DbLessonStore;
  let timeline: DbTimelineStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    let peer: Database;
    ({ db, peer, close } = await open());
    await migrate(db);
    store = new DbLessonStore(db);
    otherNode = new DbLessonStore(peer);
    timeline = new DbTimelineStore(db);
  });
  afterAll(async () => {
    await close?.();
  });

  it('creates a scheduled lesson with every field and reads it back, from the other node too', async () => {
    const created = await store.createLesson(lessonInput());
    expect(created).toEqual({
      id: expect.stringMatching(/^les_[A-Za-z0-9_-]{22}$/),
      ...lessonInput(),
      status: 'scheduled',
      startedAt: null,
      endedAt: null,
      classroomIds: [],
    });
    expect(await otherNode.getLesson(created.id)).toEqual(created);
    const unscheduled = await store.createLesson(lessonInput({ title: '光的折射', knowledgePoints: [], scheduledAt: null }));
    expect(unscheduled).toMatchObject({ knowledgePoints: [], scheduledAt: null });
    const listed = await otherNode.listLessons();
    expect(listed.map((l) => l.id).slice(-2)).toEqual([created.id, unscheduled.id]);
    expect(listed.at(-2)).toEqual(created);
  });

  it('creates, reads and lists classrooms in creation order', async () => {
    const a = await store.createClassroom(classroomInput);
    const b = await store.createClassroom({ ...classroomInput, name: '八年级一班', rosterSize: 0 });
    expect(a).toEqual({ id: expect.stringMatching(/^cls_/), ...classroomInput });
    expect(await otherNode.getClassroom(b.id)).toEqual(b);
    expect((await otherNode.listClassrooms()).slice(-2)).toEqual([a, b]);
  });

  it('refuses a roster size outside 0–500 in the database itself', async () => {
    await expect(store.createClassroom({ ...classroomInput, rosterSize: 501 })).rejects.toThrow();
  });

  it('answers NOT_FOUND for unknown lessons and classrooms everywhere', async () => {
    const lesson = await store.createLesson(lessonInput());
    const room = await store.createClassroom(classroomInput);
    expect(await errorCode(store.getLesson('les_missing'))).toBe('NOT_FOUND: lesson not found');
    expect(await errorCode(store.getClassroom('cls_missing'))).toBe('NOT_FOUND: classroom not found');
    expect(await errorCode(store.setLessonStatus('les_missing', 'scheduled', 'live'))).toBe('NOT_FOUND: lesson not found');
    expect(await errorCode(store.pairClassroom('les_missing', room.id))).toBe('NOT_FOUND: lesson not found');
    expect(await errorCode(store.pairClassroom(lesson.id, 'cls_missing'))).toBe('NOT_FOUND: classroom not found');
    expect(await timeline.list('les_missing')).toEqual([]);
    const stray: TimelineEvent = { id: newId('evt'), lessonId: 'les_missing', type: 'chat', at: new Date().toISOString(), lessonMs: 0, actorId: null, subjectId: null, data: {} };
    expect(await errorCode(timeline.append(stray))).toBe('NOT_FOUND: lesson not found');
  });

  it('pairs classrooms idempotently, in pairing order, and not once the lesson has ended', async () => {
    const lesson = await store.createLesson(lessonInput());
    const [a, b] = await Promise.all([store.createClassroom(classroomInput), store.createClassroom({ ...classroomInput, name: '三班' })]);
    expect((await store.pairClassroom(lesson.id, b.id)).classroomIds).toEqual([b.id]);
    expect((await otherNode.pairClassroom(lesson.id, a.id)).classroomIds).toEqual([b.id, a.id]);
    expect((await store.pairClassroom(lesson.id, b.id)).classroomIds).toEqual([b.id, a.id]);
    expect((await otherNode.getLesson(lesson.id)).classroomIds).toEqual([b.id, a.id]);

    await store.setLessonStatus(lesson.id, 'scheduled', 'live');
    const c = await store.createClassroom({ ...classroomInput, name: '四班' });
    expect((await store.pairClassroom(lesson.id, c.id)).classroomIds).toEqual([b.id, a.id, c.id]);
    await store.setLessonStatus(lesson.id, 'live', 'ended');
    const d = await store.createClassroom({ ...classroomInput, name: '五班' });
    expect(await errorCode(otherNode.pairClassroom(lesson.id, d.id))).toBe('INVALID_STATE: lesson has ended');
    expect((await store.getLesson(lesson.id)).classroomIds).toEqual([b.id, a.id, c.id]);
  });

  it('moves a lesson scheduled → live → ended, stamping the times, and refuses a transition from the wrong status', async () => {
    const lesson = await store.createLesson(lessonInput());
    const before = Date.now();
    const live = await store.setLessonStatus(lesson.id, 'scheduled', 'live');
    expect(live).toMatchObject({ status: 'live', endedAt: null, scheduledAt: lesson.scheduledAt });
    expect(Date.parse(live.startedAt!)).toBeGreaterThanOrEqual(before);
    expect(await errorCode(otherNode.setLessonStatus(lesson.id, 'scheduled', 'live'))).toBe('INVALID_STATE: lesson is live, not scheduled');
    const ended = await otherNode.setLessonStatus(lesson.id, 'live', 'ended');
    expect(ended).toMatchObject({ status: 'ended', startedAt: live.startedAt });
    expect(Date.parse(ended.endedAt!)).toBeGreaterThanOrEqual(Date.parse(live.startedAt!));
    expect(await store.getLesson(lesson.id)).toEqual(ended);
    expect(await errorCode(store.setLessonStatus(lesson.id, 'live', 'ended'))).toBe('INVALID_STATE: lesson is ended, not live');
  });

  it('lets exactly one of many concurrent "start" requests from two nodes win', async () => {
    const lesson = await store.createLesson(lessonInput());
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? otherNode : store).setLessonStatus(lesson.id, 'scheduled', 'live')),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => isClassroomError(r.reason) && r.reason.code)).toEqual(Array(9).fill('INVALID_STATE'));
    expect(await store.getLesson(lesson.id)).toEqual(won[0]!.value);
  });

  it('never pairs a classroom into a lesson that an "end" on another node has already ended', async () => {
    for (let round = 0; round < 5; round++) {
      const lesson = await store.createLesson(lessonInput());
      await store.setLessonStatus(lesson.id, 'scheduled', 'live');
      const room = await store.createClassroom(classroomInput);
      const [paired, ended] = await Promise.allSettled([store.pairClassroom(lesson.id, room.id), otherNode.setLessonStatus(lesson.id, 'live', 'ended')]);
      expect(ended.status).toBe('fulfilled');
      const final = await store.getLesson(lesson.id);
      if (paired.status === 'fulfilled') expect(final.classroomIds).toEqual([room.id]);
      else {
        expect(isClassroomError(paired.reason) && paired.reason.code).toBe('INVALID_STATE');
        expect(final.classroomIds).toEqual([]);
      }
    }
  });

  it('keeps a lesson timeline in append order, per lesson, with every field', async () => {
    const [one, two] = await Promise.all([store.createLesson(lessonInput()), store.createLesson(lessonInput({ title: '浮力' }))]);
    const at = '2026-03-02T01:31:00.000Z';
    const event = (lessonId: string, i: number, over: Partial<TimelineEvent> = {}): TimelineEvent => ({
      id: newId('evt'),
      lessonId,
      type: 'chat',
      // Same wall-clock time on purpose, and one earlier than its predecessor: order is append order.
      at: i === 3 ? '2026-03-02T01:30:59.000Z' : at,
      lessonMs: i * 1000,
      actorId: null,
      subjectId: null,
      data: {},
      ...over,
    });
    const appended: TimelineEvent[] = [];
    for (let i = 0; i < 6; i++) {
      const e = event(one.id, i, i === 2 ? { type: 'quiz_answer', actorId: 'par_a', subjectId: 'quiz_b', data: { correct: true, choices: ['A', 'C'], classroomId: null, score: 2.5 } } : {});
      appended.push(e);
      await timeline.append(e);
      await timeline.append(event(two.id, i));
    }
    // Longer than a 32-bit integer of milliseconds: a lesson left live for a month.
    const late = event(one.id, 6, { lessonMs: 30 * 24 * 3600 * 1000 });
    await timeline.append(late);
    appended.push(late);
    expect(await new DbTimelineStore(db).list(one.id)).toEqual(appended);
    expect((await timeline.list(two.id)).map((e) => e.lessonId)).toEqual(Array(6).fill(two.id));
  });

  it('refuses the same event id twice', async () => {
    const lesson = await store.createLesson(lessonInput());
    const e: TimelineEvent = { id: newId('evt'), lessonId: lesson.id, type: 'lesson_start', at: new Date().toISOString(), lessonMs: 0, actorId: null, subjectId: null, data: {} };
    await timeline.append(e);
    await expect(timeline.append(e)).rejects.toThrow();
    expect(await timeline.list(lesson.id)).toEqual([e]);
  });
});
