import { ClassroomError, OptionIdSchema, can, type OptionId, type Quiz, type QuizResults, type Role } from '@dualclass/protocol';
import type { QuizAnswerRecord, StoredQuiz } from './interaction-store.ts';

/** A choice must name options of this quiz, once each; single-choice and true/false take exactly one. */
export function validateChoice(quiz: Pick<Quiz, 'kind' | 'options'>, choice: readonly OptionId[]): OptionId[] {
  const ids = new Set(quiz.options.map((o) => o.id));
  const unknown = choice.filter((c) => !ids.has(c));
  if (unknown.length) throw new ClassroomError('BAD_REQUEST', `not an option of this quiz: ${unknown.join(', ')}`);
  if (new Set(choice).size !== choice.length) throw new ClassroomError('BAD_REQUEST', 'an option is chosen more than once');
  if (quiz.kind !== 'multiple' && choice.length !== 1) throw new ClassroomError('BAD_REQUEST', 'choose exactly one option');
  return [...choice].sort();
}

/** Right only when exactly the correct options are chosen (no partial credit for multiple choice). */
export function isCorrect(correct: readonly OptionId[], choice: readonly OptionId[]): boolean {
  const want = new Set(correct);
  return choice.length === want.size && choice.every((c) => want.has(c));
}

const accuracy = (answers: number, correct: number) => (answers === 0 ? 0 : correct / answers);

/**
 * Results of one quiz. Every student answer and every room answer counts as one answer; a classroom's tally is
 * its room answer plus its own students' answers, and lists each paired classroom even before it answers.
 */
export function tallyResults(
  quiz: Pick<Quiz, 'id'>,
  answers: readonly Pick<QuizAnswerRecord, 'classroomId' | 'forClassroom' | 'choice' | 'correct'>[],
  classroomIds: readonly string[],
): QuizResults {
  // The wire record is keyed by every option id (A–F); ids the quiz does not use stay at 0.
  const perOption = Object.fromEntries(OptionIdSchema.options.map((id) => [id, 0])) as Record<OptionId, number>;
  const rooms = new Map<string, { answers: number; correct: number; classroomAnswer: OptionId[] | null }>();
  for (const id of classroomIds) rooms.set(id, { answers: 0, correct: 0, classroomAnswer: null });
  let total = 0;
  let right = 0;
  for (const a of answers) {
    total += 1;
    if (a.correct) right += 1;
    for (const c of a.choice) perOption[c] += 1;
    if (!a.classroomId) continue;
    let room = rooms.get(a.classroomId);
    if (!room) {
      room = { answers: 0, correct: 0, classroomAnswer: null };
      rooms.set(a.classroomId, room);
    }
    room.answers += 1;
    if (a.correct) room.correct += 1;
    if (a.forClassroom) room.classroomAnswer = [...a.choice];
  }
  return {
    quizId: quiz.id,
    overall: { answers: total, correct: right, accuracy: accuracy(total, right) },
    perOption,
    perClassroom: [...rooms].map(([classroomId, r]) => ({ classroomId, ...r, accuracy: accuracy(r.answers, r.correct) })),
  };
}

/** The quiz as the wire shows it; `correct` only after reveal or to roles that manage quizzes. */
export function quizView(quiz: StoredQuiz, viewer: Role | 'everyone'): Quiz {
  const { lessonId: _lessonId, correct, ...rest } = quiz;
  const showCorrect = quiz.status === 'revealed' || (viewer !== 'everyone' && can(viewer, 'quiz:manage'));
  return showCorrect ? { ...rest, correct: [...correct] } : rest;
}

/** The quiz with its answer, for the master's ack, the reveal and the after-class record. */
export function quizWithAnswer(quiz: StoredQuiz): Quiz {
  const { lessonId: _lessonId, correct, ...rest } = quiz;
  return { ...rest, correct: [...correct] };
}
