import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@dualclass/protocol';
import { InMemoryInteractionStore, type QuizAnswerRecord, type StoredQuiz } from './interaction-store.ts';

const quiz = (id: string, lessonId = 'les_1'): StoredQuiz => ({
  id, lessonId, question: '?', kind: 'single', options: [{ id: 'A', text: 'a' }, { id: 'B', text: 'b' }], knowledgePoint: 'kp',
  timeLimitSeconds: 30, launchedAt: new Date(0).toISOString(), closesAt: new Date(30_000).toISOString(), status: 'open', correct: ['A'],
});
const answer = (participantId: string, classroomId: string | null, forClassroom = false): QuizAnswerRecord => ({
  lessonId: 'les_1', quizId: 'quiz_1', participantId, role: forClassroom ? 'classroom_device' : 'student', classroomId, forClassroom,
  choice: ['A'], correct: true, at: new Date(0).toISOString(),
});

describe('InMemoryInteractionStore', () => {
  it('holds at most one open quiz per lesson', async () => {
    const store = new InMemoryInteractionStore();
    expect(await store.createQuiz(quiz('quiz_1'))).toBe(true);
    expect(await store.createQuiz(quiz('quiz_2'))).toBe(false);
    expect(await store.createQuiz(quiz('quiz_3', 'les_2'))).toBe(true);
    expect(await store.setQuizStatus('quiz_1', ['open'], 'closed')).toMatchObject({ status: 'closed' });
    expect(await store.setQuizStatus('quiz_1', ['open'], 'closed')).toBeUndefined();
    expect(await store.createQuiz(quiz('quiz_2'))).toBe(true);
    expect((await store.listQuizzes('les_1')).map((q) => q.id)).toEqual(['quiz_1', 'quiz_2']);
  });

  it('takes one answer per student and one room answer per classroom', async () => {
    const store = new InMemoryInteractionStore();
    expect(await store.addAnswer(answer('par_s1', 'cls_a'))).toBe(true);
    expect(await store.addAnswer(answer('par_s1', 'cls_a'))).toBe(false);
    expect(await store.addAnswer(answer('par_dev', 'cls_a', true))).toBe(true);
    // The local teacher of the same room cannot add a second room answer.
    expect(await store.addAnswer(answer('par_teacher', 'cls_a', true))).toBe(false);
    expect(await store.addAnswer(answer('par_dev_b', 'cls_b', true))).toBe(true);
    expect(await store.listAnswers({ quizId: 'quiz_1', classroomId: 'cls_a' })).toHaveLength(2);
    expect(await store.listAnswers({ participantId: 'par_s1' })).toHaveLength(1);
    expect(await store.listAnswers({ lessonId: 'les_2' })).toHaveLength(0);
  });

  it('returns the last 50 chat messages without deleted ones, and hands out copies', async () => {
    const store = new InMemoryInteractionStore();
    for (let i = 0; i < 60; i++) {
      const message: ChatMessage = { id: `msg_${i}`, participantId: 'par_1', displayName: 'x', role: 'student', kind: 'chat', text: `m${i}`, sentAt: new Date(i).toISOString() };
      await store.addChatMessage({ lessonId: 'les_1', message, classroomId: null, deletedAt: null, deletedBy: null });
    }
    expect(await store.deleteChatMessage('les_1', 'msg_59', 'par_m', new Date().toISOString())).toBe(true);
    expect(await store.deleteChatMessage('les_1', 'msg_59', 'par_m', new Date().toISOString())).toBe(false);
    expect(await store.deleteChatMessage('les_2', 'msg_1', 'par_m', new Date().toISOString())).toBe(false);
    const recent = await store.recentChat('les_1', 50);
    expect(recent).toHaveLength(50);
    expect(recent[0]?.id).toBe('msg_9');
    expect(recent.at(-1)?.id).toBe('msg_58');
    recent[0]!.text = 'changed';
    expect((await store.recentChat('les_1', 50))[0]?.text).toBe('m9');
  });
});
