import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@dualclass/protocol';
import type { InteractionStore, QuizAnswerRecord, StoredQuiz } from './interaction-store.ts';

export const quiz = (id: string, lessonId = 'les_1'): StoredQuiz => ({
  id, lessonId, question: '?', kind: 'single', options: [{ id: 'A', text: 'a' }, { id: 'B', text: 'b' }], knowledgePoint: 'kp',
  timeLimitSeconds: 30, launchedAt: new Date(0).toISOString(), closesAt: new Date(30_000).toISOString(), status: 'open', correct: ['A'],
});
export const answer = (participantId: string, classroomId: string | null, forClassroom = false, quizId = 'quiz_1', lessonId = 'les_1'): QuizAnswerRecord => ({
  lessonId, quizId, participantId, role: forClassroom ? 'classroom_device' : 'student', classroomId, forClassroom,
  choice: ['A'], correct: true, at: new Date(0).toISOString(),
});
const chat = (i: number): ChatMessage => ({
  id: `msg_${i}`, participantId: 'par_1', displayName: 'x', role: 'student', kind: 'chat', text: `m${i}`, sentAt: new Date(i).toISOString(),
});

/**
 * What every InteractionStore must do, run against each implementation (memory in the unit tests, Redis against a
 * real redis-server in the integration tests). `fresh` returns an empty store.
 */
export function interactionStoreContract(name: string, fresh: () => Promise<InteractionStore>): void {
  describe(`${name} (InteractionStore contract)`, () => {
    it('holds at most one open quiz per lesson', async () => {
      const store = await fresh();
      expect(await store.createQuiz(quiz('quiz_1'))).toBe(true);
      expect(await store.createQuiz(quiz('quiz_2'))).toBe(false);
      expect(await store.createQuiz(quiz('quiz_3', 'les_2'))).toBe(true);
      expect(await store.setQuizStatus('quiz_1', ['open'], 'closed')).toMatchObject({ status: 'closed' });
      expect(await store.setQuizStatus('quiz_1', ['open'], 'closed')).toBeUndefined();
      expect(await store.createQuiz(quiz('quiz_2'))).toBe(true);
      expect((await store.listQuizzes('les_1')).map((q) => q.id)).toEqual(['quiz_1', 'quiz_2']);
    });

    it('keeps the whole quiz and changes its status only from the listed ones', async () => {
      const store = await fresh();
      await store.createQuiz(quiz('quiz_1'));
      expect(await store.getQuiz('quiz_1')).toEqual(quiz('quiz_1'));
      expect(await store.getQuiz('quiz_x')).toBeUndefined();
      expect(await store.setQuizStatus('quiz_x', ['open'], 'closed')).toBeUndefined();
      expect(await store.setQuizStatus('quiz_1', ['closed', 'open'], 'closed')).toEqual({ ...quiz('quiz_1'), status: 'closed' });
      expect(await store.setQuizStatus('quiz_1', ['closed'], 'revealed')).toMatchObject({ status: 'revealed', correct: ['A'] });
      expect(await store.getQuiz('quiz_1')).toMatchObject({ status: 'revealed' });
    });

    it('lets exactly one of many simultaneous launches open a quiz', async () => {
      const store = await fresh();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createQuiz(quiz(`quiz_${i}`))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.listQuizzes('les_1')).filter((q) => q.status === 'open')).toHaveLength(1);
    });

    it('takes one answer per student and one room answer per classroom', async () => {
      const store = await fresh();
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

    it('lets exactly one of many simultaneous room answers count, and filters answers across quizzes and lessons', async () => {
      const store = await fresh();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.addAnswer(answer(`par_${i}`, 'cls_a', true))));
      expect(results.filter(Boolean)).toHaveLength(1);
      await store.addAnswer(answer('par_s1', 'cls_a', false, 'quiz_2'));
      await store.addAnswer(answer('par_s1', 'cls_a', false, 'quiz_3', 'les_2'));
      expect(await store.listAnswers({ participantId: 'par_s1' })).toHaveLength(2);
      expect(await store.listAnswers({ lessonId: 'les_1', participantId: 'par_s1' })).toEqual([answer('par_s1', 'cls_a', false, 'quiz_2')]);
      expect(await store.listAnswers({ lessonId: 'les_1' })).toHaveLength(2);
      expect(await store.listAnswers({ classroomId: 'cls_a' })).toHaveLength(3);
    });

    it('returns the last 50 chat messages without deleted ones, and hands out copies', async () => {
      const store = await fresh();
      for (let i = 0; i < 160; i++) {
        await store.addChatMessage({ lessonId: 'les_1', message: chat(i), classroomId: null, deletedAt: null, deletedBy: null });
      }
      expect(await store.deleteChatMessage('les_1', 'msg_159', 'par_m', new Date().toISOString())).toBe(true);
      expect(await store.deleteChatMessage('les_1', 'msg_159', 'par_m', new Date().toISOString())).toBe(false);
      expect(await store.deleteChatMessage('les_2', 'msg_1', 'par_m', new Date().toISOString())).toBe(false);
      const recent = await store.recentChat('les_1', 50);
      expect(recent).toHaveLength(50);
      expect(recent[0]?.id).toBe('msg_109');
      expect(recent.at(-1)?.id).toBe('msg_158');
      recent[0]!.text = 'changed';
      expect((await store.recentChat('les_1', 50))[0]?.text).toBe('m109');
      // Deletions far back are skipped too, and a limit larger than the chat returns all of it.
      for (let i = 0; i < 150; i++) await store.deleteChatMessage('les_1', `msg_${i}`, 'par_m', new Date(0).toISOString());
      expect((await store.recentChat('les_1', 50)).map((m) => m.id)).toEqual(Array.from({ length: 9 }, (_, i) => `msg_${150 + i}`));
      expect(await store.recentChat('les_2', 50)).toEqual([]);
    });

    it('keeps who sent and who deleted a message, and whether chat is on', async () => {
      const store = await fresh();
      await store.addChatMessage({ lessonId: 'les_1', message: chat(1), classroomId: 'cls_a', deletedAt: null, deletedBy: null });
      expect(await store.getChatMessage('les_1', 'msg_1')).toEqual({ lessonId: 'les_1', message: chat(1), classroomId: 'cls_a', deletedAt: null, deletedBy: null });
      await store.deleteChatMessage('les_1', 'msg_1', 'par_lt', '2026-01-01T08:00:00.000Z');
      expect(await store.getChatMessage('les_1', 'msg_1')).toMatchObject({ deletedAt: '2026-01-01T08:00:00.000Z', deletedBy: 'par_lt' });
      expect(await store.getChatMessage('les_2', 'msg_1')).toBeUndefined();
      expect(await store.chatEnabled('les_1')).toBe(true);
      await store.setChatEnabled('les_1', false);
      expect([await store.chatEnabled('les_1'), await store.chatEnabled('les_2')]).toEqual([false, true]);
      await store.setChatEnabled('les_1', true);
      expect(await store.chatEnabled('les_1')).toBe(true);
    });

    it('lists a lesson’s comments in order', async () => {
      const store = await fresh();
      const comment = (id: string) => ({ id, authorId: 'par_o', authorName: '观察员', text: id, lessonMs: 1000, createdAt: new Date(0).toISOString() });
      await store.addComment('les_1', comment('c1'));
      await store.addComment('les_1', comment('c2'));
      await store.addComment('les_2', comment('c3'));
      expect((await store.listComments('les_1')).map((c) => c.id)).toEqual(['c1', 'c2']);
      expect(await store.listComments('les_3')).toEqual([]);
    });

    it('records a head count and one check-in per student, first one kept', async () => {
      const store = await fresh();
      expect(await store.attendance('les_1', 'cls_a')).toEqual({ present: null, recordedAt: null, recordedBy: null, checkedIn: [] });
      const first = { participantId: 'par_1', displayName: '小明', at: '2026-01-01T08:00:00.000Z' };
      expect(await store.checkIn('les_1', 'cls_a', first)).toEqual({ entry: first, created: true });
      expect(await store.checkIn('les_1', 'cls_a', { ...first, at: '2026-01-01T08:05:00.000Z' })).toEqual({ entry: first, created: false });
      const second = { participantId: 'par_2', displayName: '小红', at: '2026-01-01T08:01:00.000Z' };
      const racing = await Promise.all(Array.from({ length: 10 }, () => store.checkIn('les_1', 'cls_a', second)));
      expect(racing.filter((r) => r.created)).toHaveLength(1);
      expect(await store.recordAttendance('les_1', 'cls_a', 38, 'par_lt', '2026-01-01T08:10:00.000Z')).toEqual({
        present: 38, recordedAt: '2026-01-01T08:10:00.000Z', recordedBy: 'par_lt', checkedIn: [first, second],
      });
      expect(await store.attendance('les_1', 'cls_b')).toMatchObject({ present: null, checkedIn: [] });
    });
  });
}
