import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Server } from 'socket.io';
import { ClassroomError, isClassroomError, type Lesson, type Participant, type QuizLaunch } from '@dualclass/protocol';
import { openDatabase, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { DbLessonStore } from '../lessons/db-lesson-store.ts';
import { LessonRegistry } from '../lessons/live-lesson.ts';
import { Broadcaster } from '../realtime/broadcaster.ts';
import { DbTimelineStore } from '../timeline/db-timeline-store.ts';
import { Timeline } from '../timeline/timeline.ts';
import { Interactions } from './index.ts';
import { InMemoryInteractionStore } from './interaction-store.ts';

const launch: QuizLaunch = {
  question: '磁通量变化产生？', kind: 'single', options: [{ id: 'A', text: '感应电流' }, { id: 'B', text: '静电' }],
  correct: ['A'], knowledgePoint: '法拉第定律', timeLimitSeconds: 5,
};

async function errorCode(p: Promise<unknown>) {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return isClassroomError(err) ? err.code : String(err);
  }
}

describe('QuizService timers and records (no sockets)', () => {
  let io: Server;
  let interactions: Interactions;
  let interactionStore: InMemoryInteractionStore;
  let timelineStore: DbTimelineStore;
  let lesson: Lesson;
  let person: (id: string, role: Participant['role'], classroomId?: string | null) => Participant;

  // Lessons and the timeline live in an in-memory embedded database; every test makes its own lesson.
  let db: Database;
  // Starting the embedded engine takes seconds on a busy machine.
  beforeAll(async () => {
    db = await openDatabase({});
    await migrate(db);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    io = new Server();
    const broadcast = new Broadcaster(io);
    const store = new DbLessonStore(db);
    timelineStore = new DbTimelineStore(db);
    interactionStore = new InMemoryInteractionStore();
    const requireLive = async (id: string) => {
      const l = await store.getLesson(id);
      if (l.status !== 'live') throw new ClassroomError('INVALID_STATE', `lesson is ${l.status}`);
      return l;
    };
    interactions = new Interactions({
      store, broadcast, interactionStore, timeline: new Timeline(timelineStore, broadcast), lessons: { requireLive, registry: new LessonRegistry() },
    });
    const created = await store.createLesson({ title: '电磁感应', subject: '物理', grade: '八年级', teacherName: '王', school: '一中', knowledgePoints: [], scheduledAt: null });
    const room = await store.createClassroom({ name: '二班', school: '二小', localTeacherName: '李', rosterSize: 30 });
    await store.pairClassroom(created.id, room.id);
    lesson = await store.setLessonStatus(created.id, 'scheduled', 'live');
    person = (id, role, classroomId = room.id) => ({
      id, lessonId: lesson.id, role, displayName: id, classroomId, joinedAt: new Date().toISOString(), connection: 'connected', handRaisedAt: null, onStage: false,
    });
  });

  afterEach(() => {
    interactions.close();
    vi.useRealTimers();
    // The server was never attached to an HTTP server, so there is no engine to close.
    io.removeAllListeners();
  });

  it('closes at the time limit, refuses late answers, and records answers for later reading', async () => {
    const master = person('par_m', 'master_teacher', null);
    const quiz = await interactions.quizzes.launch(master, launch);
    expect(quiz.correct).toEqual(['A']);
    expect(await errorCode(interactions.quizzes.launch(master, launch))).toBe('CONFLICT');
    await interactions.quizzes.answer(person('par_s1', 'student'), { quizId: quiz.id, choice: ['A'], forClassroom: false });
    await interactions.quizzes.answer(person('par_dev', 'classroom_device'), { quizId: quiz.id, choice: ['B'], forClassroom: true });
    expect(await errorCode(interactions.quizzes.answer(person('par_lt', 'local_teacher'), { quizId: quiz.id, choice: ['A'], forClassroom: true }))).toBe('CONFLICT');

    await vi.advanceTimersByTimeAsync(5_000);
    expect((await interactionStore.getQuiz(quiz.id))?.status).toBe('closed');
    expect(await errorCode(interactions.quizzes.answer(person('par_s2', 'student'), { quizId: quiz.id, choice: ['A'], forClassroom: false }))).toBe('INVALID_STATE');

    const [report] = await interactions.quizzes.lessonReport(lesson.id);
    expect(report?.quiz.correct).toEqual(['A']);
    expect(report?.results.overall).toEqual({ answers: 2, correct: 1, accuracy: 0.5 });
    expect(await interactionStore.listAnswers({ lessonId: lesson.id, participantId: 'par_s1' })).toMatchObject([{ choice: ['A'], correct: true }]);
    const types = (await timelineStore.list(lesson.id)).map((e) => e.type);
    expect(types).toEqual(['quiz_start', 'quiz_answer', 'quiz_answer', 'quiz_close']);
  });

  it('clears the timer and closes the open quiz when the lesson ends', async () => {
    const quiz = await interactions.quizzes.launch(person('par_m', 'master_teacher', null), { ...launch, timeLimitSeconds: 600 });
    expect(vi.getTimerCount()).toBe(1);
    await interactions.closeLesson(lesson.id);
    expect(vi.getTimerCount()).toBe(0);
    expect((await interactionStore.getQuiz(quiz.id))?.status).toBe('closed');
  });

  it('shows a student the last quiz without its answer until reveal', async () => {
    const master = person('par_m', 'master_teacher', null);
    const student = person('par_s1', 'student');
    const quiz = await interactions.quizzes.launch(master, launch);
    expect((await interactions.snapshot(student)).quiz).not.toHaveProperty('correct');
    expect((await interactions.snapshot(master)).quiz?.correct).toEqual(['A']);
    await interactions.quizzes.reveal(master, quiz.id);
    expect((await interactions.snapshot(student)).quiz).toMatchObject({ status: 'revealed', correct: ['A'] });
    // Reveal is idempotent and closing a revealed quiz changes nothing.
    await interactions.quizzes.reveal(master, quiz.id);
    await interactions.quizzes.close(master, quiz.id);
    expect((await interactionStore.getQuiz(quiz.id))?.status).toBe('revealed');
    expect(vi.getTimerCount()).toBe(0);
  });
});
