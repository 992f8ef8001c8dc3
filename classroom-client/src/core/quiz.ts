import { OptionIdSchema, type OptionId, type Quiz, type QuizKind, type QuizLaunch, type QuizResults } from '@dualclass/protocol';

/** Quiz helpers shared by the composer, the answer cards and the live charts; pure and tested. */

export const OPTION_IDS: readonly OptionId[] = OptionIdSchema.options;

/** Seconds left until `closesAt` (never negative; 0 once closed or unparsable). */
export function secondsLeft(quiz: Pick<Quiz, 'closesAt' | 'status'>, now: number): number {
  if (quiz.status !== 'open') return 0;
  const closes = Date.parse(quiz.closesAt);
  if (Number.isNaN(closes)) return 0;
  return Math.max(0, Math.ceil((closes - now) / 1000));
}

/** `m:ss` for a countdown or lesson time. */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const minutes = Math.floor(s / 60);
  const seconds = s % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/** `mm:ss` (or `h:mm:ss`) of lesson time, for observer comments and the timeline. */
export function formatLessonTime(lessonMs: number): string {
  const total = Math.max(0, Math.floor(lessonMs / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Toggling an option in a choice: single-answer kinds replace, multiple toggles; result kept in A–F order. */
export function toggleChoice(kind: QuizKind, choice: readonly OptionId[], option: OptionId): OptionId[] {
  if (kind !== 'multiple') return [option];
  const next = choice.includes(option) ? choice.filter((c) => c !== option) : [...choice, option];
  return OPTION_IDS.filter((id) => next.includes(id));
}

export interface OptionChart {
  /** Option ids in quiz order. */
  ids: OptionId[];
  /** "A", "B"… (the chart's axis); the option texts go to the accessible table. */
  labels: string[];
  texts: string[];
  counts: number[];
  /** Known only to the master before reveal, and to everyone after. */
  correct: boolean[];
  total: number;
}

/** Per-option answer counts of a quiz, in its own option order (options the quiz does not use are left out). */
export function optionChart(quiz: Pick<Quiz, 'options' | 'correct'>, results: Pick<QuizResults, 'perOption' | 'overall'> | null): OptionChart {
  const ids = quiz.options.map((o) => o.id);
  const correct = new Set(quiz.correct ?? []);
  return {
    ids,
    labels: ids.map((id) => id),
    texts: quiz.options.map((o) => o.text),
    counts: ids.map((id) => results?.perOption[id] ?? 0),
    correct: ids.map((id) => correct.has(id)),
    total: results?.overall.answers ?? 0,
  };
}

export interface ClassroomAccuracyRow {
  classroomId: string;
  name: string;
  answers: number;
  correct: number;
  /** 0–100, rounded. */
  accuracyPct: number;
  /** The room's own answer (entered by its local teacher), if any. */
  classroomAnswer: readonly OptionId[] | null;
}

/**
 * Per-classroom accuracy rows, named from the roster (the classroom id when the room is not connected).
 * Paired classrooms that are neither connected nor answering are left out (a 50-room lesson would otherwise
 * chart dozens of empty bars); `classroomsLeftOut` counts them.
 */
export function classroomAccuracy(results: Pick<QuizResults, 'perClassroom'> | null, names: ReadonlyMap<string, string>): ClassroomAccuracyRow[] {
  return (results?.perClassroom ?? []).filter((r) => r.answers > 0 || names.has(r.classroomId)).map((r) => ({
    classroomId: r.classroomId,
    name: names.get(r.classroomId) ?? r.classroomId,
    answers: r.answers,
    correct: r.correct,
    accuracyPct: Math.round(r.accuracy * 100),
    classroomAnswer: r.classroomAnswer,
  }));
}

export function classroomsLeftOut(results: Pick<QuizResults, 'perClassroom'> | null, names: ReadonlyMap<string, string>): number {
  return (results?.perClassroom ?? []).length - classroomAccuracy(results, names).length;
}

export interface QuizDraft {
  question: string;
  kind: QuizKind;
  /** Option texts, A first; true/false uses the first two. */
  options: string[];
  correct: OptionId[];
  knowledgePoint: string;
  timeLimitSeconds: number;
}

export type DraftProblem = 'question' | 'options' | 'correct' | 'knowledgePoint' | 'timeLimit';

/**
 * Turns the composer's draft into a launch request, or names what is missing. Mirrors QuizLaunchSchema's rules
 * so the teacher hears about a problem before the round trip; `trueFalseTexts` are the localized 对/错.
 */
export function draftToLaunch(draft: QuizDraft, trueFalseTexts: readonly [string, string]): { ok: true; launch: QuizLaunch } | { ok: false; problem: DraftProblem } {
  const question = draft.question.trim();
  if (!question) return { ok: false, problem: 'question' };
  const texts = draft.kind === 'true_false' ? [...trueFalseTexts] : draft.options.map((o) => o.trim());
  if (texts.length < 2 || texts.length > OPTION_IDS.length || texts.some((t) => !t)) return { ok: false, problem: 'options' };
  const options = texts.map((text, i) => ({ id: OPTION_IDS[i] as OptionId, text }));
  const ids = new Set(options.map((o) => o.id));
  const correct = OPTION_IDS.filter((id) => draft.correct.includes(id) && ids.has(id));
  if (correct.length === 0 || (draft.kind !== 'multiple' && correct.length !== 1)) return { ok: false, problem: 'correct' };
  const knowledgePoint = draft.knowledgePoint.trim();
  if (!knowledgePoint) return { ok: false, problem: 'knowledgePoint' };
  const timeLimitSeconds = Math.round(draft.timeLimitSeconds);
  if (!Number.isFinite(timeLimitSeconds) || timeLimitSeconds < 5 || timeLimitSeconds > 600) return { ok: false, problem: 'timeLimit' };
  return { ok: true, launch: { question, kind: draft.kind, options, correct, knowledgePoint, timeLimitSeconds } };
}

/** Whether a choice equals the revealed answer. */
export function isRightAnswer(choice: readonly OptionId[] | null, correct: readonly OptionId[] | undefined): boolean | null {
  if (!choice || !correct) return null;
  return choice.length === correct.length && choice.every((c) => correct.includes(c));
}
