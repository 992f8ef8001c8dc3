import type { Quiz, QuizResults } from '@dualclass/protocol';
import { describe, expect, it } from 'vitest';
import { classroomAccuracy, classroomsLeftOut, draftToLaunch, formatClock, formatLessonTime, isRightAnswer, optionChart, secondsLeft, toggleChoice, type QuizDraft } from './quiz.ts';

const quiz: Quiz = {
  id: 'q1',
  question: '哪些情况会产生感应电流？',
  kind: 'multiple',
  options: [
    { id: 'A', text: '磁铁插入线圈' },
    { id: 'B', text: '磁铁静止在线圈中' },
    { id: 'C', text: '线圈切割磁感线' },
  ],
  knowledgePoint: '电磁感应',
  timeLimitSeconds: 30,
  launchedAt: '2025-01-01T08:10:00.000Z',
  closesAt: '2025-01-01T08:10:30.000Z',
  status: 'open',
  correct: ['A', 'C'],
};

const results: QuizResults = {
  quizId: 'q1',
  overall: { answers: 10, correct: 6, accuracy: 0.6 },
  perOption: { A: 9, B: 2, C: 7, D: 0, E: 0, F: 0 },
  perClassroom: [
    { classroomId: 'cls_1', answers: 6, correct: 5, accuracy: 5 / 6, classroomAnswer: ['A', 'C'] },
    { classroomId: 'cls_2', answers: 4, correct: 1, accuracy: 0.25, classroomAnswer: null },
    { classroomId: 'cls_3', answers: 0, correct: 0, accuracy: 0, classroomAnswer: null },
  ],
};

describe('quiz chart data', () => {
  it('counts per option in the quiz’s own options, with the correct ones marked', () => {
    expect(optionChart(quiz, results)).toEqual({
      ids: ['A', 'B', 'C'],
      labels: ['A', 'B', 'C'],
      texts: ['磁铁插入线圈', '磁铁静止在线圈中', '线圈切割磁感线'],
      counts: [9, 2, 7],
      correct: [true, false, true],
      total: 10,
    });
  });

  it('no results yet: zeros; no answer key (student before reveal): nothing marked', () => {
    const { correct: _c, ...unrevealed } = quiz;
    const chart = optionChart(unrevealed, null);
    expect(chart.counts).toEqual([0, 0, 0]);
    expect(chart.correct).toEqual([false, false, false]);
    expect(chart.total).toBe(0);
  });

  it('per-classroom accuracy in percent, named from the roster; silent unknown rooms left out', () => {
    const rows = classroomAccuracy(results, new Map([['cls_1', '九年级（2）班']]));
    expect(rows).toEqual([
      { classroomId: 'cls_1', name: '九年级（2）班', answers: 6, correct: 5, accuracyPct: 83, classroomAnswer: ['A', 'C'] },
      { classroomId: 'cls_2', name: 'cls_2', answers: 4, correct: 1, accuracyPct: 25, classroomAnswer: null },
    ]);
    expect(classroomAccuracy(null, new Map())).toEqual([]);
    expect(classroomsLeftOut(results, new Map([['cls_1', 'a']]))).toBe(1);
    expect(classroomAccuracy(results, new Map([['cls_3', '九年级（1）班']])).map((r) => r.classroomId)).toEqual(['cls_1', 'cls_2', 'cls_3']);
  });
});

describe('quiz helpers', () => {
  it('countdown and clocks', () => {
    expect(secondsLeft(quiz, Date.parse('2025-01-01T08:10:00.000Z'))).toBe(30);
    expect(secondsLeft(quiz, Date.parse('2025-01-01T08:10:29.100Z'))).toBe(1);
    expect(secondsLeft(quiz, Date.parse('2025-01-01T08:11:00.000Z'))).toBe(0);
    expect(secondsLeft({ ...quiz, status: 'closed' }, 0)).toBe(0);
    expect(formatClock(75)).toBe('1:15');
    expect(formatLessonTime(61_500)).toBe('01:01');
    expect(formatLessonTime(3_725_000)).toBe('1:02:05');
  });

  it('choices: single replaces, multiple toggles in A–F order', () => {
    expect(toggleChoice('single', ['A'], 'B')).toEqual(['B']);
    expect(toggleChoice('multiple', ['C'], 'A')).toEqual(['A', 'C']);
    expect(toggleChoice('multiple', ['A', 'C'], 'A')).toEqual(['C']);
    expect(isRightAnswer(['A', 'C'], ['C', 'A'])).toBe(true);
    expect(isRightAnswer(['A'], ['A', 'C'])).toBe(false);
    expect(isRightAnswer(null, ['A'])).toBeNull();
  });

  it('draft → launch request, or the first problem', () => {
    const draft: QuizDraft = {
      question: ' 感应电流方向？ ',
      kind: 'single',
      options: ['顺时针', '逆时针', ''],
      correct: ['B'],
      knowledgePoint: '楞次定律',
      timeLimitSeconds: 60,
    };
    expect(draftToLaunch(draft, ['对', '错'])).toEqual({ ok: false, problem: 'options' });
    const ok = draftToLaunch({ ...draft, options: ['顺时针', '逆时针'] }, ['对', '错']);
    expect(ok).toEqual({
      ok: true,
      launch: {
        question: '感应电流方向？',
        kind: 'single',
        options: [
          { id: 'A', text: '顺时针' },
          { id: 'B', text: '逆时针' },
        ],
        correct: ['B'],
        knowledgePoint: '楞次定律',
        timeLimitSeconds: 60,
      },
    });
    expect(draftToLaunch({ ...draft, question: ' ' }, ['对', '错'])).toEqual({ ok: false, problem: 'question' });
    expect(draftToLaunch({ ...draft, options: ['a', 'b'], correct: ['A', 'B'] }, ['对', '错'])).toEqual({ ok: false, problem: 'correct' });
    expect(draftToLaunch({ ...draft, options: ['a', 'b'], timeLimitSeconds: 2 }, ['对', '错'])).toEqual({ ok: false, problem: 'timeLimit' });
    const tf = draftToLaunch({ ...draft, kind: 'true_false', options: [], correct: ['A'] }, ['对', '错']);
    expect(tf.ok && tf.launch.options).toEqual([
      { id: 'A', text: '对' },
      { id: 'B', text: '错' },
    ]);
  });
});
