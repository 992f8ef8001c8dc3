import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Attendance,
  ChatMessage,
  Comment,
  IssueToken,
  Lesson,
  PrivateMessage,
  Quiz,
  QuizResults,
  TimelineEvent,
} from '@dualclass/protocol';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import { collect, next, ok, request, TestParticipants, type ClientSocket } from './testing/participants.ts';

let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let roomA: string;
let roomB: string;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Joined {
  socket: ClientSocket;
  id: string;
  join: Record<string, unknown>;
}

async function join(role: IssueToken['role'], classroomId?: string): Promise<Joined> {
  const { socket, self, snapshot } = await people.join(lesson.id, role, classroomId ? { classroomId } : {});
  return { socket, id: self.id, join: snapshot };
}

let master: Joined;
let observer: Joined;
let teacherA: Joined;
let teacherB: Joined;
let deviceA: Joined;
let deviceB: Joined;
let studentA1: Joined;
let studentA2: Joined;
let studentB1: Joined;
/** Every quiz push a student received, to prove none carried the answer before reveal. */
let studentQuizPushes: { event: string; quiz: Quiz }[];
let studentResultPushes: QuizResults[];

const singleQuiz = {
  question: '闭合电路的磁通量发生变化时，电路中会产生什么？',
  kind: 'single',
  options: [
    { id: 'A', text: '感应电流' },
    { id: 'B', text: '静电荷' },
    { id: 'C', text: '恒定磁场' },
  ],
  correct: ['A'],
  knowledgePoint: '法拉第电磁感应定律',
  timeLimitSeconds: 60,
};

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1 });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '电磁感应', knowledgePoints: ['法拉第电磁感应定律'] });
  roomA = (await stack.admin.createClassroom({ name: '九年级（2）班', rosterSize: 40 })).id;
  roomB = (await stack.admin.createClassroom({ name: '九年级（5）班', rosterSize: 30 })).id;
  await stack.admin.pairClassroom(lesson.id, roomA);
  await stack.admin.pairClassroom(lesson.id, roomB);
  [master, observer, teacherA, teacherB, deviceA, deviceB, studentA1, studentA2, studentB1] = await Promise.all([
    join('master_teacher'),
    join('observer'),
    join('local_teacher', roomA),
    join('local_teacher', roomB),
    join('classroom_device', roomA),
    join('classroom_device', roomB),
    join('student', roomA),
    join('student', roomA),
    join('student', roomB),
  ]);
  studentQuizPushes = [];
  studentA1.socket.on('quiz:launched', (quiz) => studentQuizPushes.push({ event: 'quiz:launched', quiz }));
  studentA1.socket.on('quiz:revealed', ({ quiz }) => studentQuizPushes.push({ event: 'quiz:revealed', quiz }));
  studentResultPushes = collect(studentA1.socket, 'quiz:results');
  await ok(master.socket, 'lesson:start');
}, 30_000);

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('quizzes', () => {
  let quiz: Quiz;

  it('lets only the master launch; students get the question without the answer, the master the answer in the ack', async () => {
    expect(await request(studentA1.socket, 'quiz:launch', singleQuiz)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(teacherA.socket, 'quiz:launch', singleQuiz)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const launched = next(studentA1.socket, 'quiz:launched');
    quiz = await ok<Quiz>(master.socket, 'quiz:launch', singleQuiz);
    expect(quiz).toMatchObject({ status: 'open', correct: ['A'], knowledgePoint: '法拉第电磁感应定律' });
    const seen = await launched;
    expect(seen.id).toBe(quiz.id);
    expect(seen).not.toHaveProperty('correct');
    expect(await request(master.socket, 'quiz:launch', singleQuiz)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('takes student and room answers once each and streams per-classroom results to the master', async () => {
    const final = next(master.socket, 'quiz:results', (r) => r.quizId === quiz.id && r.overall.answers === 5);
    const answer = (who: Joined, choice: string[], forClassroom = false) => request(who.socket, 'quiz:answer', { quizId: quiz.id, choice, forClassroom });

    expect(await answer(studentA1, ['A'])).toEqual({ ok: true, data: { accepted: true } });
    expect(await answer(studentA2, ['B'])).toMatchObject({ ok: true });
    expect(await answer(studentB1, ['A'])).toMatchObject({ ok: true });
    expect(await answer(deviceA, ['A'], true)).toMatchObject({ ok: true });
    const roomBScreenSees = next(deviceB.socket, 'quiz:roomAnswered', (a) => a.quizId === quiz.id);
    const roomAOnlyOwn = collect(deviceA.socket, 'quiz:roomAnswered');
    expect(await answer(teacherB, ['C'], true)).toMatchObject({ ok: true });
    expect(await roomBScreenSees).toEqual({ quizId: quiz.id, classroomId: roomB, choice: ['C'] });
    expect(roomAOnlyOwn).toEqual([]);

    expect(await answer(studentA1, ['A'])).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: 'already answered' } });
    expect(await answer(teacherA, ['A'], true)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await answer(deviceB, ['A'], true)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await answer(studentA2, ['A'], true)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await answer(studentA2, ['A', 'B'])).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await answer(studentA2, ['E'])).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await request(observer.socket, 'quiz:answer', { quizId: quiz.id, choice: ['A'] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(studentA2.socket, 'quiz:answer', { quizId: 'quiz_nope', choice: ['A'] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const results = await final;
    expect(results.overall).toEqual({ answers: 5, correct: 3, accuracy: 0.6 });
    expect(results.perOption).toMatchObject({ A: 3, B: 1, C: 1 });
    const byRoom = Object.fromEntries(results.perClassroom.map((c) => [c.classroomId, c]));
    expect(byRoom[roomA]).toEqual({ classroomId: roomA, answers: 3, correct: 2, accuracy: 2 / 3, classroomAnswer: ['A'] });
    expect(byRoom[roomB]).toEqual({ classroomId: roomB, answers: 2, correct: 1, accuracy: 0.5, classroomAnswer: ['C'] });
    // Live results are for staff; a student can neither receive nor ask for them before reveal.
    expect(await request(studentA1.socket, 'quiz:results', { quizId: quiz.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(teacherA.socket, 'quiz:results', { quizId: quiz.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await ok<QuizResults>(observer.socket, 'quiz:results', { quizId: quiz.id })).toMatchObject({ overall: { answers: 5 } });
  });

  it('reveals the answer and results to students, who never saw it before', async () => {
    expect(studentQuizPushes.length).toBeGreaterThan(0);
    expect(studentQuizPushes.every((p) => !('correct' in p.quiz))).toBe(true);
    expect(studentResultPushes).toEqual([]);
    const revealed = next(studentA2.socket, 'quiz:revealed');
    const closed = next(studentA2.socket, 'quiz:closed');
    const results = await ok<QuizResults>(master.socket, 'quiz:reveal', { quizId: quiz.id });
    expect(results.overall.answers).toBe(5);
    expect(await closed).toEqual({ quizId: quiz.id });
    const seen = await revealed;
    expect(seen.quiz).toMatchObject({ id: quiz.id, status: 'revealed', correct: ['A'] });
    expect(seen.results.perClassroom).toHaveLength(2);
    expect(await request(studentB1.socket, 'quiz:answer', { quizId: quiz.id, choice: ['B'] })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
  });

  it('closes by itself at the time limit and refuses answers after it', async () => {
    const closedAt = next(studentA1.socket, 'quiz:closed', () => true, 8_000);
    const timed = await ok<Quiz>(master.socket, 'quiz:launch', {
      question: '感应电流的方向总是阻碍引起它的磁通量变化。',
      kind: 'true_false',
      options: [{ id: 'A', text: '对' }, { id: 'B', text: '错' }],
      correct: ['A'],
      knowledgePoint: '楞次定律',
      timeLimitSeconds: 5,
    });
    expect(await request(studentA1.socket, 'quiz:answer', { quizId: timed.id, choice: ['A'] })).toMatchObject({ ok: true });
    expect(await closedAt).toEqual({ quizId: timed.id });
    expect(await request(studentA2.socket, 'quiz:answer', { quizId: timed.id, choice: ['A'] })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    // The lesson can run the next quiz now.
    expect(await request(master.socket, 'quiz:close', { quizId: timed.id })).toMatchObject({ ok: true, data: { overall: { answers: 1 } } });
  }, 15_000);
});

describe('chat', () => {
  it('limits one flooding student without silencing anyone else', async () => {
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => request<ChatMessage>(studentA1.socket, 'chat:send', { text: `刷屏 ${i}` })));
    const accepted = acks.filter((a) => a.ok);
    const limited = acks.filter((a) => !a.ok);
    expect(accepted).toHaveLength(5);
    expect(limited).toHaveLength(15);
    for (const a of limited) {
      expect(a).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
      expect(a.ok === false && a.error.retryAfter).toBeGreaterThanOrEqual(1);
    }
    const received = next(studentA2.socket, 'chat:message', (m) => m.participantId === studentB1.id);
    const sent = await ok<ChatMessage>(studentB1.socket, 'chat:send', { text: '老师，我听懂了', kind: 'question' });
    expect(await received).toEqual(sent);
    expect(sent).toMatchObject({ role: 'student', kind: 'question', text: '老师，我听懂了' });
  });

  it('relays markup byte for byte, as text', async () => {
    const text = '<img src=x onerror="alert(1)">';
    const received = next(master.socket, 'chat:message', (m) => m.participantId === studentA2.id);
    const sent = await ok<ChatMessage>(studentA2.socket, 'chat:send', { text });
    expect(sent.text).toBe(text);
    expect((await received).text).toBe(text);
  });

  it('when the master turns chat off, students are refused and the master can still write', async () => {
    const off = next(studentB1.socket, 'chat:state');
    expect(await request(teacherA.socket, 'chat:setEnabled', { enabled: false })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await ok(master.socket, 'chat:setEnabled', { enabled: false })).toEqual({ enabled: false });
    expect(await off).toEqual({ enabled: false });
    expect(await request(studentB1.socket, 'chat:send', { text: '还能说话吗' })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(await request(master.socket, 'chat:send', { text: '请大家先安静听讲' })).toMatchObject({ ok: true });
    expect(await request(observer.socket, 'chat:send', { text: '观察员' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const on = next(studentB1.socket, 'chat:state');
    await ok(master.socket, 'chat:setEnabled', { enabled: true });
    expect(await on).toEqual({ enabled: true });
  });

  it('lets a local teacher delete their own classroom’s messages only', async () => {
    const fromA = await ok<ChatMessage>(studentA2.socket, 'chat:send', { text: '二班的消息' });
    const fromB = await ok<ChatMessage>(studentB1.socket, 'chat:send', { text: '五班的消息' });
    const deleted = next(studentB1.socket, 'chat:deleted');
    expect(await request(teacherA.socket, 'chat:delete', { messageId: fromA.id })).toEqual({ ok: true, data: {} });
    expect(await deleted).toEqual({ messageId: fromA.id });
    expect(await request(teacherA.socket, 'chat:delete', { messageId: fromB.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(studentB1.socket, 'chat:delete', { messageId: fromB.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(master.socket, 'chat:delete', { messageId: fromB.id })).toEqual({ ok: true, data: {} });
    expect(await request(master.socket, 'chat:delete', { messageId: fromB.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // A later join sees recent chat without the deleted messages.
    const late = await join('student', roomB);
    const recent = (late.join.chat as { enabled: boolean; recent: ChatMessage[] }).recent.map((m) => m.id);
    expect(recent).not.toContain(fromA.id);
    expect(recent).not.toContain(fromB.id);
    expect(recent.length).toBeGreaterThan(0);
  });

  it('relays reactions and limits bursts', async () => {
    const seen = next(master.socket, 'reaction', (r) => r.participantId === studentA2.id);
    expect(await request(studentA2.socket, 'reaction:send', { reaction: 'clap' })).toEqual({ ok: true, data: {} });
    expect(await seen).toEqual({ participantId: studentA2.id, reaction: 'clap' });
    const burst = await Promise.all(Array.from({ length: 12 }, () => request(studentA2.socket, 'reaction:send', { reaction: 'like' })));
    expect(burst.filter((a) => !a.ok).every((a) => !a.ok && a.error.code === 'RATE_LIMITED')).toBe(true);
    expect(burst.filter((a) => !a.ok).length).toBeGreaterThan(0);
  });
});

describe('comments, attendance and notes to the master', () => {
  it('delivers observer comments to teachers only', async () => {
    const studentSaw = collect(studentA1.socket, 'comment:added');
    const deviceSaw = collect(deviceA.socket, 'comment:added');
    const masterGot = next(master.socket, 'comment:added');
    const teacherGot = next(teacherA.socket, 'comment:added');
    const comment = await ok<Comment>(observer.socket, 'comment:add', { text: '小组讨论时间可以再长一些' });
    expect(comment).toMatchObject({ authorId: observer.id, text: '小组讨论时间可以再长一些' });
    expect(comment.lessonMs).toBeGreaterThan(0);
    expect(await masterGot).toEqual(comment);
    expect(await teacherGot).toEqual(comment);
    await pause(300);
    expect(studentSaw).toEqual([]);
    expect(deviceSaw).toEqual([]);
    expect(await request(studentA1.socket, 'comment:add', { text: '我也想评论' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(teacherA.socket, 'comment:add', { text: '辅导老师' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Late joiners: a teacher sees the comments, a student none.
    expect(((await join('local_teacher', roomB)).join.comments as Comment[]).map((c) => c.id)).toContain(comment.id);
    expect((await join('student', roomA)).join.comments).toEqual([]);
  });

  it('records a local teacher’s head count and students’ check-ins for the studio', async () => {
    const counted = next(master.socket, 'attendance:updated', (a) => a.classroomId === roomA && a.recordedAt !== null);
    const recorded = await ok<Attendance>(teacherA.socket, 'attendance:record', { present: 38 });
    expect(recorded).toMatchObject({ classroomId: roomA, present: 38, rosterSize: 40 });
    expect(await counted).toEqual(recorded);
    expect(await request(teacherA.socket, 'attendance:record', { present: 41 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await request(studentA1.socket, 'attendance:record', { present: 1 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const checkedIn = next(master.socket, 'attendance:updated', (a) => a.checkedIn.some((c) => c.participantId === studentB1.id));
    const first = await ok<{ at: string }>(studentB1.socket, 'attendance:checkIn');
    const seen = await checkedIn;
    expect(seen).toMatchObject({ classroomId: roomB, rosterSize: 30 });
    expect(seen.checkedIn.find((c) => c.participantId === studentB1.id)?.at).toBe(first.at);
    expect(await ok(studentB1.socket, 'attendance:checkIn')).toEqual(first);
    const homeless = await join('student');
    expect(await request(homeless.socket, 'attendance:checkIn')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'student has no classroom' } });

    const lateMaster = (await join('master_teacher')).join.attendance as Attendance[];
    expect(lateMaster.map((a) => a.classroomId).sort()).toEqual([roomA, roomB].sort());
    expect(lateMaster.find((a) => a.classroomId === roomA)?.present).toBe(38);
    expect((await join('student', roomB)).join.attendance).toEqual([]);
  });

  it('sends a local teacher’s note to the master teacher only', async () => {
    const others = [observer, studentA1, teacherB, deviceA].map((p) => collect(p.socket, 'message:private'));
    const masterGot = next(master.socket, 'message:private');
    const sent = await ok<PrivateMessage>(teacherA.socket, 'message:toMaster', { text: '我们这边声音有点小' });
    expect(sent).toMatchObject({ fromId: teacherA.id, classroomId: roomA, text: '我们这边声音有点小' });
    expect(await masterGot).toEqual(sent);
    await pause(200);
    for (const seen of others) expect(seen).toEqual([]);
    expect(await request(studentA1.socket, 'message:toMaster', { text: 'hi' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('the lesson record', () => {
  it('keeps every interaction on the timeline, in order', async () => {
    const events = await ok<TimelineEvent[]>(master.socket, 'timeline:list');
    const types = events.map((e) => e.type);
    const expected: TimelineEvent['type'][] = [
      'lesson_start', 'quiz_start', 'quiz_answer', 'quiz_close', 'quiz_reveal', 'quiz_start', 'quiz_close',
      'chat', 'chat_toggle', 'chat', 'chat_toggle', 'chat_delete', 'chat_delete', 'comment', 'attendance', 'check_in', 'private_message',
    ];
    let at = -1;
    for (const type of expected) {
      at = types.indexOf(type, at + 1);
      expect(at, `${type} after position ${at}`).toBeGreaterThanOrEqual(0);
    }
    expect(types.filter((t) => t === 'quiz_answer')).toHaveLength(6);
    const note = events.find((e) => e.type === 'private_message');
    expect(note?.data).not.toHaveProperty('text');
    expect(events.find((e) => e.type === 'comment')?.data).toMatchObject({ text: '小组讨论时间可以再长一些' });
    expect(events.find((e) => e.type === 'quiz_start')?.data).toMatchObject({ knowledgePoint: '法拉第电磁感应定律' });
    expect(await request(studentA1.socket, 'timeline:list')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('serves each quiz with its answer and per-classroom results over the management API', async () => {
    const res = await fetch(`${stack.url}/api/lessons/${lesson.id}/quizzes`, { headers: { authorization: `Bearer ${stack.adminApiKey}` } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { quiz: Quiz; results: QuizResults }[];
    expect(report).toHaveLength(2);
    const [first, second] = report;
    expect(first?.quiz).toMatchObject({ kind: 'single', status: 'revealed', correct: ['A'] });
    expect(first?.results.perClassroom.find((c) => c.classroomId === roomA)).toMatchObject({ answers: 3, correct: 2, classroomAnswer: ['A'] });
    expect(first?.results.perClassroom.find((c) => c.classroomId === roomB)).toMatchObject({ answers: 2, correct: 1, classroomAnswer: ['C'] });
    expect(second?.quiz).toMatchObject({ kind: 'true_false', status: 'closed', correct: ['A'] });
    expect(second?.results.overall).toEqual({ answers: 1, correct: 1, accuracy: 1 });
    expect((await fetch(`${stack.url}/api/lessons/${lesson.id}/quizzes`)).status).toBe(401);
  });
});
