import { describe, expect, it } from 'vitest';
import { isClassroomError, type OptionId } from '@dualclass/protocol';
import type { QuizAnswerRecord, StoredQuiz } from './interaction-store.ts';
import { isCorrect, quizView, tallyResults, validateChoice } from './quiz-rules.ts';

const quiz = (kind: StoredQuiz['kind'] = 'single', status: StoredQuiz['status'] = 'open'): StoredQuiz => ({
  id: 'quiz_1',
  lessonId: 'les_1',
  question: '闭合电路中磁通量变化时会产生什么？',
  kind,
  options: kind === 'true_false' ? [{ id: 'A', text: '对' }, { id: 'B', text: '错' }] : [
    { id: 'A', text: '感应电流' }, { id: 'B', text: '静电' }, { id: 'C', text: '光' }, { id: 'D', text: '热' },
  ],
  knowledgePoint: '法拉第定律',
  timeLimitSeconds: 60,
  launchedAt: new Date(0).toISOString(),
  closesAt: new Date(60_000).toISOString(),
  status,
  correct: kind === 'multiple' ? ['A', 'C'] : ['A'],
});

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return isClassroomError(err) ? err.code : 'not a ClassroomError';
  }
  return 'no error';
};

describe('validateChoice', () => {
  it('accepts one existing option for single and true/false, and several for multiple', () => {
    expect(validateChoice(quiz('single'), ['B'])).toEqual(['B']);
    expect(validateChoice(quiz('true_false'), ['B'])).toEqual(['B']);
    expect(validateChoice(quiz('multiple'), ['C', 'A'])).toEqual(['A', 'C']);
  });

  it('refuses unknown options, repeats, and more than one choice where one is asked', () => {
    expect(code(() => validateChoice(quiz('single'), ['E']))).toBe('BAD_REQUEST');
    expect(code(() => validateChoice(quiz('true_false'), ['C']))).toBe('BAD_REQUEST');
    expect(code(() => validateChoice(quiz('single'), ['A', 'B']))).toBe('BAD_REQUEST');
    expect(code(() => validateChoice(quiz('true_false'), ['A', 'B']))).toBe('BAD_REQUEST');
    expect(code(() => validateChoice(quiz('multiple'), ['A', 'A']))).toBe('BAD_REQUEST');
  });
});

describe('isCorrect', () => {
  it('needs exactly the correct set, with no partial credit', () => {
    expect(isCorrect(['A', 'C'], ['A', 'C'])).toBe(true);
    expect(isCorrect(['A', 'C'], ['C', 'A'])).toBe(true);
    expect(isCorrect(['A', 'C'], ['A'])).toBe(false);
    expect(isCorrect(['A', 'C'], ['A', 'B', 'C'])).toBe(false);
    expect(isCorrect(['A'], ['B'])).toBe(false);
  });
});

describe('tallyResults', () => {
  const answer = (classroomId: string | null, choice: OptionId[], forClassroom = false): QuizAnswerRecord => ({
    lessonId: 'les_1', quizId: 'quiz_1', participantId: `par_${Math.random()}`, role: forClassroom ? 'local_teacher' : 'student',
    classroomId, forClassroom, choice, correct: isCorrect(['A'], choice), at: new Date(0).toISOString(),
  });

  it('counts each student and each room answer once, per option and per classroom', () => {
    const results = tallyResults(quiz(), [
      answer('cls_a', ['A'], true),
      answer('cls_a', ['A']),
      answer('cls_a', ['B']),
      answer('cls_b', ['A']),
      answer(null, ['C']),
    ], ['cls_a', 'cls_b', 'cls_c']);
    expect(results.quizId).toBe('quiz_1');
    expect(results.overall).toEqual({ answers: 5, correct: 3, accuracy: 0.6 });
    expect(results.perOption).toEqual({ A: 3, B: 1, C: 1, D: 0, E: 0, F: 0 });
    expect(results.perClassroom).toEqual([
      { classroomId: 'cls_a', answers: 3, correct: 2, accuracy: 2 / 3, classroomAnswer: ['A'] },
      { classroomId: 'cls_b', answers: 1, correct: 1, accuracy: 1, classroomAnswer: null },
      { classroomId: 'cls_c', answers: 0, correct: 0, accuracy: 0, classroomAnswer: null },
    ]);
  });

  it('reports zero accuracy, not NaN, before anyone answers', () => {
    expect(tallyResults(quiz(), [], ['cls_a']).overall).toEqual({ answers: 0, correct: 0, accuracy: 0 });
  });
});

describe('quizView', () => {
  it('hides the answer from everyone but quiz managers until reveal', () => {
    expect(quizView(quiz(), 'student')).not.toHaveProperty('correct');
    expect(quizView(quiz(), 'local_teacher')).not.toHaveProperty('correct');
    expect(quizView(quiz(), 'observer')).not.toHaveProperty('correct');
    expect(quizView(quiz(), 'everyone')).not.toHaveProperty('correct');
    expect(quizView(quiz(), 'master_teacher').correct).toEqual(['A']);
    expect(quizView(quiz('single', 'closed'), 'student')).not.toHaveProperty('correct');
    expect(quizView(quiz('single', 'revealed'), 'student').correct).toEqual(['A']);
    expect(quizView(quiz(), 'student')).not.toHaveProperty('lessonId');
  });
});
