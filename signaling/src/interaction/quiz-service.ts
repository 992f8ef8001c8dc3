import { ClassroomError, type Participant, type Quiz, type QuizLaunch, type QuizResults, type RequestOf, type Role } from '@dualclass/protocol';
import { newId } from '../ids.ts';
import type { InteractionContext } from './context.ts';
import type { StoredQuiz } from './interaction-store.ts';
import { isCorrect, quizView, quizWithAnswer, tallyResults, validateChoice } from './quiz-rules.ts';

export interface QuizServiceOptions {
  /** Live results are pushed at most once per this interval per quiz (answers in between are coalesced). */
  resultsIntervalMs: number;
}

/** A quiz with its answer and results, as the lesson record keeps it. */
export interface QuizReport {
  quiz: Quiz;
  results: QuizResults;
}

/**
 * Quizzes (答题器): one open quiz per lesson, closed by the master or by its time limit, answered by students for
 * themselves and by the local teacher or room device for the whole classroom, revealed to everyone at the end.
 */
export class QuizService {
  /** quizId → its automatic close. */
  readonly #closeTimers = new Map<string, { lessonId: string; timer: NodeJS.Timeout }>();
  /** quizId → coalesced live-results push. */
  readonly #resultPushes = new Map<string, { lessonId: string; last: number; timer: NodeJS.Timeout | undefined }>();

  constructor(
    private readonly ctx: InteractionContext,
    private readonly options: QuizServiceOptions = { resultsIntervalMs: 250 },
  ) {}

  async launch(actor: Participant, input: QuizLaunch): Promise<Quiz> {
    const lesson = await this.ctx.lessons.requireLive(actor.lessonId);
    const now = Date.now();
    const quiz: StoredQuiz = {
      id: newId('quiz'),
      lessonId: lesson.id,
      question: input.question,
      kind: input.kind,
      options: input.options.map((o) => ({ ...o })),
      knowledgePoint: input.knowledgePoint,
      timeLimitSeconds: input.timeLimitSeconds,
      launchedAt: new Date(now).toISOString(),
      closesAt: new Date(now + input.timeLimitSeconds * 1000).toISOString(),
      status: 'open',
      correct: [...input.correct].sort(),
    };
    if (!(await this.ctx.interactionStore.createQuiz(quiz))) throw new ClassroomError('CONFLICT', 'a quiz is already open in this lesson');
    this.#arm(quiz);
    this.ctx.broadcast.toLesson(lesson.id, 'quiz:launched', quizView(quiz, 'everyone'));
    await this.ctx.timeline.record(lesson, 'quiz_start', {
      actorId: actor.id,
      subjectId: quiz.id,
      data: { kind: quiz.kind, knowledgePoint: quiz.knowledgePoint, options: quiz.options.length, timeLimitSeconds: quiz.timeLimitSeconds },
    });
    return quizWithAnswer(quiz);
  }

  async answer(actor: Participant, req: RequestOf<'quiz:answer'>): Promise<{ accepted: true }> {
    if (req.forClassroom && actor.role === 'student') throw new ClassroomError('FORBIDDEN', 'students answer for themselves');
    // The local teacher and the room device only ever answer for their room.
    const forClassroom = actor.role !== 'student';
    if (forClassroom && !actor.classroomId) throw new ClassroomError('FORBIDDEN', 'no classroom to answer for');
    const quiz = await this.#quizOf(actor, req.quizId);
    if (quiz.status !== 'open' || Date.now() >= Date.parse(quiz.closesAt)) throw new ClassroomError('INVALID_STATE', 'the quiz is closed');
    const choice = validateChoice(quiz, req.choice);
    const correct = isCorrect(quiz.correct, choice);
    const added = await this.ctx.interactionStore.addAnswer({
      lessonId: quiz.lessonId,
      quizId: quiz.id,
      participantId: actor.id,
      role: actor.role,
      classroomId: actor.classroomId,
      forClassroom,
      choice,
      correct,
      at: new Date().toISOString(),
    });
    if (!added) throw new ClassroomError('CONFLICT', forClassroom ? 'this classroom has already answered' : 'already answered');
    const lesson = await this.ctx.store.getLesson(quiz.lessonId);
    await this.ctx.timeline.record(lesson, 'quiz_answer', {
      actorId: actor.id,
      subjectId: quiz.id,
      data: { classroomId: actor.classroomId, forClassroom, correct },
    });
    if (forClassroom && actor.classroomId) {
      this.ctx.broadcast.toClassroom(quiz.lessonId, actor.classroomId, 'quiz:roomAnswered', { quizId: quiz.id, classroomId: actor.classroomId, choice });
    }
    this.#scheduleResults(quiz);
    return { accepted: true };
  }

  async close(actor: Participant, quizId: string): Promise<QuizResults> {
    return this.#close(await this.#quizOf(actor, quizId), actor.id);
  }

  /** Closes the quiz if it is still open, then shows everyone the answer and the results. Idempotent. */
  async reveal(actor: Participant, quizId: string): Promise<QuizResults> {
    const quiz = await this.#quizOf(actor, quizId);
    if (quiz.status === 'open') await this.#close(quiz, actor.id);
    const revealed = await this.ctx.interactionStore.setQuizStatus(quiz.id, ['closed'], 'revealed');
    const results = await this.#results(quiz);
    if (revealed) {
      this.ctx.broadcast.toLesson(quiz.lessonId, 'quiz:revealed', { quiz: quizWithAnswer(revealed), results });
      const lesson = await this.ctx.store.getLesson(quiz.lessonId);
      await this.ctx.timeline.record(lesson, 'quiz_reveal', {
        actorId: actor.id,
        subjectId: quiz.id,
        data: { correct: revealed.correct, answers: results.overall.answers, accuracy: results.overall.accuracy },
      });
    }
    return results;
  }

  async results(actor: Participant, quizId: string): Promise<QuizResults> {
    return this.#results(await this.#quizOf(actor, quizId));
  }

  /** The open quiz, or the last one, as this role may see it. */
  async current(lessonId: string, viewer: Role): Promise<Quiz | null> {
    const quizzes = await this.ctx.interactionStore.listQuizzes(lessonId);
    const last = quizzes.at(-1);
    return last ? quizView(last, viewer) : null;
  }

  /** Every quiz of a lesson with its answer and results, for the after-class record. */
  async lessonReport(lessonId: string): Promise<QuizReport[]> {
    const lesson = await this.ctx.store.getLesson(lessonId);
    const quizzes = await this.ctx.interactionStore.listQuizzes(lesson.id);
    return Promise.all(quizzes.map(async (quiz) => ({ quiz: quizWithAnswer(quiz), results: await this.#results(quiz, lesson.classroomIds) })));
  }

  /** This node took the lesson over from another: its open quiz closes on time here (at once if already due). */
  async takeOver(lessonId: string): Promise<void> {
    for (const quiz of await this.ctx.interactionStore.listQuizzes(lessonId)) {
      if (quiz.status === 'open' && !this.#closeTimers.has(quiz.id)) this.#arm(quiz);
    }
  }

  /** Stops the lesson's timers and closes its open quiz; called when the lesson ends. */
  async closeLesson(lessonId: string): Promise<void> {
    for (const [quizId, entry] of this.#closeTimers) if (entry.lessonId === lessonId) this.#disarm(quizId);
    for (const [quizId, entry] of this.#resultPushes) if (entry.lessonId === lessonId) this.#stopResults(quizId);
    for (const quiz of await this.ctx.interactionStore.listQuizzes(lessonId)) {
      if (quiz.status === 'open') await this.#close(quiz, null);
    }
  }

  /** Clears every timer (server shutdown). */
  dispose(): void {
    for (const quizId of [...this.#closeTimers.keys()]) this.#disarm(quizId);
    for (const quizId of [...this.#resultPushes.keys()]) this.#stopResults(quizId);
  }

  async #quizOf(actor: Participant, quizId: string): Promise<StoredQuiz> {
    const quiz = await this.ctx.interactionStore.getQuiz(quizId);
    // A quiz of another lesson does not exist for this participant.
    if (!quiz || quiz.lessonId !== actor.lessonId) throw new ClassroomError('NOT_FOUND', 'quiz not found');
    return quiz;
  }

  async #results(quiz: StoredQuiz, classroomIds?: readonly string[]): Promise<QuizResults> {
    const rooms = classroomIds ?? (await this.ctx.store.getLesson(quiz.lessonId)).classroomIds;
    const answers = await this.ctx.interactionStore.listAnswers({ quizId: quiz.id });
    return tallyResults(quiz, answers, rooms);
  }

  async #close(quiz: StoredQuiz, actorId: string | null): Promise<QuizResults> {
    this.#disarm(quiz.id);
    const closed = await this.ctx.interactionStore.setQuizStatus(quiz.id, ['open'], 'closed');
    const results = await this.#results(quiz);
    if (!closed) return results;
    this.#stopResults(quiz.id);
    this.ctx.broadcast.toLesson(quiz.lessonId, 'quiz:closed', { quizId: quiz.id });
    this.ctx.broadcast.toPermission(quiz.lessonId, 'quiz:results', 'quiz:results', results);
    const lesson = await this.ctx.store.getLesson(quiz.lessonId);
    await this.ctx.timeline.record(lesson, 'quiz_close', {
      actorId,
      subjectId: quiz.id,
      data: { reason: actorId ? 'closed' : 'time_up', answers: results.overall.answers, correct: results.overall.correct },
    });
    return results;
  }

  #arm(quiz: StoredQuiz): void {
    const delay = Math.max(0, Date.parse(quiz.closesAt) - Date.now());
    const timer = setTimeout(() => {
      this.#closeTimers.delete(quiz.id);
      this.#close(quiz, null).catch((err: unknown) => this.ctx.log?.error({ err, quizId: quiz.id }, 'automatic quiz close failed'));
    }, delay);
    timer.unref();
    this.#closeTimers.set(quiz.id, { lessonId: quiz.lessonId, timer });
  }

  #disarm(quizId: string): void {
    const entry = this.#closeTimers.get(quizId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#closeTimers.delete(quizId);
  }

  /** Live counts to everyone with quiz:results; a burst of answers becomes one push per interval. */
  #scheduleResults(quiz: StoredQuiz): void {
    const state = this.#resultPushes.get(quiz.id) ?? { lessonId: quiz.lessonId, last: 0, timer: undefined };
    this.#resultPushes.set(quiz.id, state);
    if (state.timer) return;
    const wait = Math.max(0, state.last + this.options.resultsIntervalMs - Date.now());
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.last = Date.now();
      this.#results(quiz)
        .then((results) => this.ctx.broadcast.toPermission(quiz.lessonId, 'quiz:results', 'quiz:results', results))
        .catch((err: unknown) => this.ctx.log?.error({ err, quizId: quiz.id }, 'quiz results push failed'));
    }, wait);
    state.timer.unref();
  }

  #stopResults(quizId: string): void {
    const state = this.#resultPushes.get(quizId);
    if (state?.timer) clearTimeout(state.timer);
    this.#resultPushes.delete(quizId);
  }
}
