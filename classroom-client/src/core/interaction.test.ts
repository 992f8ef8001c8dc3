import type { ChatMessage, Quiz, QuizResults } from '@dualclass/protocol';
import { describe, expect, it } from 'vitest';
import { emptyInteraction, MAX_CHAT_MESSAGES, ownAnswer, reduceInteraction, REACTION_TTL_MS, type InteractionEvent, type InteractionState } from './interaction.ts';
import { joinData, participant } from './testing.ts';

const run = (...events: InteractionEvent[]): InteractionState => events.reduce(reduceInteraction, emptyInteraction);

const quiz = (id: string, status: Quiz['status'] = 'open'): Quiz => ({
  id,
  question: '感应电流的方向由什么决定？',
  kind: 'single',
  options: [
    { id: 'A', text: '磁通量的变化' },
    { id: 'B', text: '导线长度' },
  ],
  knowledgePoint: '楞次定律',
  timeLimitSeconds: 60,
  launchedAt: '2025-01-01T08:10:00.000Z',
  closesAt: '2025-01-01T08:11:00.000Z',
  status,
});

const results = (quizId: string, a = 1): QuizResults => ({
  quizId,
  overall: { answers: a, correct: a, accuracy: 1 },
  perOption: { A: a, B: 0, C: 0, D: 0, E: 0, F: 0 },
  perClassroom: [{ classroomId: 'cls_1', answers: a, correct: a, accuracy: 1, classroomAnswer: ['A'] }],
});

const message = (id: string, text = 'hi'): ChatMessage => ({
  id,
  participantId: 'par_s1',
  displayName: '小明',
  role: 'student',
  kind: 'chat',
  text,
  sentAt: '2025-01-01T08:05:00.000Z',
});

const me = participant('par_me', 'master_teacher');

describe('interaction model', () => {
  it('join snapshot sets stage, chat, quiz, comments and attendance', () => {
    const s = run({
      type: 'joined',
      data: joinData(me, [], [], {
        stage: { limit: 3, members: ['par_room'] },
        chat: { enabled: false, recent: [message('m1')] },
        quiz: quiz('q1'),
        comments: [
          { id: 'c2', authorId: 'o', authorName: '陈', text: 'b', lessonMs: 2000, createdAt: '2025-01-01T08:02:00.000Z' },
          { id: 'c1', authorId: 'o', authorName: '陈', text: 'a', lessonMs: 1000, createdAt: '2025-01-01T08:01:00.000Z' },
        ],
        attendance: [{ classroomId: 'cls_1', present: 30, rosterSize: 42, checkedIn: [], recordedAt: null }],
      }),
    });
    expect(s.stage).toEqual({ limit: 3, members: ['par_room'] });
    expect(s.chat.enabled).toBe(false);
    expect(s.chat.messages.map((m) => m.id)).toEqual(['m1']);
    expect(s.quiz?.id).toBe('q1');
    expect(s.comments.map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(s.attendance.get('cls_1')?.present).toBe(30);
  });

  it('stage pushes replace the stage; an identical one changes nothing', () => {
    const s = run({ type: 'stage', stage: { limit: 4, members: ['a'] } });
    expect(reduceInteraction(s, { type: 'stage', stage: { limit: 4, members: ['a'] } })).toBe(s);
    expect(reduceInteraction(s, { type: 'stage', stage: { limit: 4, members: ['a', 'b'] } }).stage.members).toEqual(['a', 'b']);
  });

  it('health is kept per participant and dropped when they leave', () => {
    const h = { participantId: 'par_room', reportedAt: '2025-01-01T08:00:02.000Z', state: 'connected' as const, sendBitrateKbps: 300, recvBitrateKbps: 1500, lossPct: 1, rttMs: 40, audioLevel: 0.2 };
    let s = run({ type: 'health', health: h }, { type: 'health', health: { ...h, rttMs: 80 } });
    expect(s.health.get('par_room')?.rttMs).toBe(80);
    s = reduceInteraction(s, { type: 'participantLeft', participantId: 'par_room' });
    expect(s.health.size).toBe(0);
  });

  it('quiz lifecycle: launch → live results → close → reveal; stale results are dropped', () => {
    let s = run({ type: 'quizLaunched', quiz: quiz('q1') }, { type: 'quizResults', results: results('q1') });
    expect(s.results?.overall.answers).toBe(1);
    expect(reduceInteraction(s, { type: 'quizResults', results: results('q0') })).toBe(s);
    s = reduceInteraction(s, { type: 'quizClosed', quizId: 'q1' });
    expect(s.quiz?.status).toBe('closed');
    expect(reduceInteraction(s, { type: 'quizClosed', quizId: 'q1' })).toBe(s);
    s = reduceInteraction(s, { type: 'quizRevealed', quiz: { ...quiz('q1', 'revealed'), correct: ['A'] }, results: results('q1', 5) });
    expect(s.quiz).toMatchObject({ status: 'revealed', correct: ['A'] });
    expect(s.results?.overall.answers).toBe(5);
    // A new quiz starts without results.
    s = reduceInteraction(s, { type: 'quizLaunched', quiz: quiz('q2') });
    expect(s.results).toBeNull();
  });

  it('remembers this client’s own answer per quiz', () => {
    const s = run({ type: 'quizLaunched', quiz: quiz('q1') }, { type: 'quizAnswered', quizId: 'q1', choice: ['B'] });
    expect(ownAnswer(s)).toEqual(['B']);
    expect(ownAnswer(reduceInteraction(s, { type: 'quizLaunched', quiz: quiz('q2') }))).toBeNull();
  });

  it('chat: dedupes by id (ack and push), deletes, toggles, keeps the newest messages', () => {
    let s = run({ type: 'chatMessage', message: message('m1') }, { type: 'chatMessage', message: message('m1') });
    expect(s.chat.messages).toHaveLength(1);
    s = reduceInteraction(s, { type: 'chatDeleted', messageId: 'm1' });
    expect(s.chat.messages).toHaveLength(0);
    s = reduceInteraction(s, { type: 'chatState', enabled: false });
    expect(s.chat.enabled).toBe(false);
    for (let i = 0; i < MAX_CHAT_MESSAGES + 5; i++) s = reduceInteraction(s, { type: 'chatMessage', message: message(`x${i}`) });
    expect(s.chat.messages).toHaveLength(MAX_CHAT_MESSAGES);
    expect(s.chat.messages[0]?.id).toBe('x5');
  });

  it('reactions are transient', () => {
    let s = run({ type: 'reaction', id: 1, participantId: 'a', reaction: 'clap', at: 1000 }, { type: 'reaction', id: 2, participantId: 'b', reaction: 'heart', at: 2000 });
    expect(s.reactions).toHaveLength(2);
    s = reduceInteraction(s, { type: 'pruneReactions', now: 1000 + REACTION_TTL_MS });
    expect(s.reactions.map((r) => r.id)).toEqual([2]);
    s = reduceInteraction(s, { type: 'reaction', id: 3, participantId: 'c', reaction: 'wow', at: 2000 + REACTION_TTL_MS + 1 });
    expect(s.reactions.map((r) => r.id)).toEqual([3]);
  });

  it('private messages, comments, attendance, timeline and check-in', () => {
    const s = run(
      { type: 'privateMessage', message: { id: 'pm1', fromId: 'lt', fromName: '李老师', classroomId: 'cls_1', text: '听不到', sentAt: '2025-01-01T08:03:00.000Z' } },
      { type: 'comment', comment: { id: 'c1', authorId: 'o', authorName: '陈', text: '节奏好', lessonMs: 61_000, createdAt: '2025-01-01T08:01:01.000Z' } },
      { type: 'attendance', attendance: { classroomId: 'cls_1', present: 40, rosterSize: 42, checkedIn: [], recordedAt: '2025-01-01T08:01:00.000Z' } },
      { type: 'timeline', event: { id: 'e2', lessonId: 'les_1', type: 'chat', at: '2025-01-01T08:02:00.000Z', lessonMs: 120_000, actorId: null, subjectId: null, data: {} } },
      { type: 'timelineList', events: [{ id: 'e1', lessonId: 'les_1', type: 'lesson_start', at: '2025-01-01T08:00:00.000Z', lessonMs: 0, actorId: null, subjectId: null, data: {} }] },
      { type: 'checkedIn', at: '2025-01-01T08:00:30.000Z' },
    );
    expect(s.privateMessages.map((m) => m.text)).toEqual(['听不到']);
    expect(s.comments).toHaveLength(1);
    expect(s.attendance.get('cls_1')?.present).toBe(40);
    expect(s.timeline.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(s.checkedInAt).toBe('2025-01-01T08:00:30.000Z');
  });

  it('recording phase follows the server, off until it speaks', () => {
    expect(run().recording).toBe('off');
    const s = run({ type: 'recording', phase: 'recording' }, { type: 'recording', phase: 'paused' });
    expect(s.recording).toBe('paused');
    expect(reduceInteraction(s, { type: 'recording', phase: 'paused' })).toBe(s);
  });
});
