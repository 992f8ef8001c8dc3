import { can, type Participant } from '@dualclass/protocol';
import type { InteractionSnapshot, InteractionSnapshotSource } from '../realtime/handlers/deps.ts';
import { AttendanceService } from './attendance-service.ts';
import { ChatService } from './chat-service.ts';
import { CommentService } from './comment-service.ts';
import type { InteractionContext } from './context.ts';
import { memoryLimiters, type LimiterFactory } from './flood-limit.ts';
import { MasterMessageService } from './master-message-service.ts';
import { QuizService } from './quiz-service.ts';
import { ReactionService } from './reaction-service.ts';

export type { InteractionContext, LiveLessons } from './context.ts';
export type { FloodLimiter, LimiterFactory } from './flood-limit.ts';
export { InMemoryInteractionStore, type InteractionStore, type QuizAnswerRecord } from './interaction-store.ts';
export type { QuizReport } from './quiz-service.ts';
export { AttendanceService, ChatService, CommentService, MasterMessageService, QuizService, ReactionService };

export interface InteractionsOptions extends InteractionContext {
  /** Makes the per-participant chat (5 per 10 s) and reaction (10 per 5 s) limits; in memory by default. */
  limiters?: LimiterFactory;
  /** Live quiz results are pushed at most once per this interval per quiz; default 250 ms. */
  resultsIntervalMs?: number;
}

/**
 * Quizzes, chat, reactions, private notes to the master, attendance and observer comments for live lessons.
 * Owns one service per job and assembles what a joining participant may see of them.
 */
export class Interactions implements InteractionSnapshotSource {
  readonly quizzes: QuizService;
  readonly chat: ChatService;
  readonly reactions: ReactionService;
  readonly messages: MasterMessageService;
  readonly attendance: AttendanceService;
  readonly comments: CommentService;
  readonly #ctx: InteractionContext;

  constructor(options: InteractionsOptions) {
    const { limiters = memoryLimiters, resultsIntervalMs, ...ctx } = options;
    this.#ctx = ctx;
    this.quizzes = new QuizService(ctx, { resultsIntervalMs: resultsIntervalMs ?? 250 });
    this.chat = new ChatService(ctx, limiters({ points: 5, durationSeconds: 10, keyPrefix: 'chat' }));
    this.reactions = new ReactionService(ctx, limiters({ points: 10, durationSeconds: 5, keyPrefix: 'reaction' }));
    this.messages = new MasterMessageService(ctx);
    this.attendance = new AttendanceService(ctx);
    this.comments = new CommentService(ctx);
  }

  async snapshot(participant: Participant): Promise<InteractionSnapshot> {
    const lesson = await this.#ctx.store.getLesson(participant.lessonId);
    const [chat, quiz, comments, attendance] = await Promise.all([
      this.chat.state(lesson.id),
      this.quizzes.current(lesson.id, participant.role),
      can(participant.role, 'comment:read') ? this.comments.list(lesson.id) : [],
      can(participant.role, 'attendance:view') ? this.attendance.list(lesson) : [],
    ]);
    return { chat, quiz, comments, attendance };
  }

  /** Call when a lesson ends: stops its quiz timers and closes its open quiz. Never rejects. */
  async closeLesson(lessonId: string): Promise<void> {
    await this.quizzes.closeLesson(lessonId).catch((err: unknown) => this.#ctx.log?.error({ err, lessonId }, 'closing lesson interactions failed'));
  }

  /** Clears every timer (server shutdown). */
  close(): void {
    this.quizzes.dispose();
  }
}
