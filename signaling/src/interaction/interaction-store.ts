import type { ChatMessage, Comment, OptionId, PrivateMessage, Quiz, Role } from '@dualclass/protocol';

/** One answer as the school keeps it: by lesson, quiz, participant and classroom, so results can be read later. */
export interface QuizAnswerRecord {
  lessonId: string;
  quizId: string;
  participantId: string;
  role: Role;
  /** The answering participant's classroom; null for a student without one. */
  classroomId: string | null;
  /** A room answer entered by the local teacher or room device for the whole classroom. */
  forClassroom: boolean;
  choice: OptionId[];
  correct: boolean;
  at: string;
}

/** A stored quiz always carries `correct`; what a participant sees of it is decided by the service. */
export type StoredQuiz = Quiz & { correct: OptionId[]; lessonId: string };

export interface StoredChatMessage {
  lessonId: string;
  message: ChatMessage;
  /** The sender's classroom, so a local teacher may moderate their own room's messages. */
  classroomId: string | null;
  deletedAt: string | null;
  deletedBy: string | null;
}

export interface CheckIn {
  participantId: string;
  displayName: string;
  at: string;
}

export interface AttendanceRecord {
  /** The local teacher's head count; null until recorded. */
  present: number | null;
  recordedAt: string | null;
  recordedBy: string | null;
  checkedIn: CheckIn[];
}

export interface AnswerFilter {
  lessonId?: string;
  quizId?: string;
  classroomId?: string;
  participantId?: string;
}

/**
 * Record of quizzes, answers, chat, comments, attendance and private notes. The in-memory store is the embedded
 * default; RedisInteractionStore shares one record between signaling nodes (interaction-store.contract.ts holds both
 * to the same behaviour). Methods that must not race (one open quiz per lesson, one answer per student or room, one
 * check-in per student) are atomic in the store itself.
 */
export interface InteractionStore {
  /** Stores a new open quiz unless the lesson already has an open one; false when it does. */
  createQuiz(quiz: StoredQuiz): Promise<boolean>;
  getQuiz(quizId: string): Promise<StoredQuiz | undefined>;
  /** Compare-and-set of the status; returns the quiz after the change, or undefined if it was not in `from`. */
  setQuizStatus(quizId: string, from: Quiz['status'][], to: Quiz['status']): Promise<StoredQuiz | undefined>;
  /** Quizzes of a lesson in launch order. */
  listQuizzes(lessonId: string): Promise<StoredQuiz[]>;
  /**
   * Stores an answer unless one already exists for the same participant (own answers) or the same classroom
   * (room answers) in that quiz; false when it does.
   */
  addAnswer(answer: QuizAnswerRecord): Promise<boolean>;
  listAnswers(filter: AnswerFilter): Promise<QuizAnswerRecord[]>;

  addChatMessage(record: StoredChatMessage): Promise<void>;
  getChatMessage(lessonId: string, messageId: string): Promise<StoredChatMessage | undefined>;
  /** Marks a message deleted; false if it was already deleted or does not exist. */
  deleteChatMessage(lessonId: string, messageId: string, by: string, at: string): Promise<boolean>;
  /** The last `limit` messages that are not deleted, oldest first. */
  recentChat(lessonId: string, limit: number): Promise<ChatMessage[]>;
  chatEnabled(lessonId: string): Promise<boolean>;
  setChatEnabled(lessonId: string, enabled: boolean): Promise<void>;

  addPrivateMessage(lessonId: string, message: PrivateMessage): Promise<void>;

  addComment(lessonId: string, comment: Comment): Promise<void>;
  listComments(lessonId: string): Promise<Comment[]>;

  recordAttendance(lessonId: string, classroomId: string, present: number, by: string, at: string): Promise<AttendanceRecord>;
  /** Adds a check-in unless the participant already checked in; returns the stored (first) one and whether it is new. */
  checkIn(lessonId: string, classroomId: string, entry: CheckIn): Promise<{ entry: CheckIn; created: boolean }>;
  attendance(lessonId: string, classroomId: string): Promise<AttendanceRecord>;
}

/** What makes an answer unique: the participant's own answer, or the room answer of a classroom. */
export const answerKey = (a: Pick<QuizAnswerRecord, 'quizId' | 'forClassroom' | 'classroomId' | 'participantId'>) =>
  a.forClassroom ? `${a.quizId}:room:${a.classroomId}` : `${a.quizId}:par:${a.participantId}`;

const emptyAttendance = (): AttendanceRecord => ({ present: null, recordedAt: null, recordedBy: null, checkedIn: [] });

export class InMemoryInteractionStore implements InteractionStore {
  readonly #quizzes = new Map<string, StoredQuiz>();
  readonly #quizzesByLesson = new Map<string, string[]>();
  readonly #answers: QuizAnswerRecord[] = [];
  readonly #answerKeys = new Set<string>();
  readonly #chat = new Map<string, StoredChatMessage[]>();
  readonly #chatOff = new Set<string>();
  readonly #private = new Map<string, PrivateMessage[]>();
  readonly #comments = new Map<string, Comment[]>();
  readonly #attendance = new Map<string, AttendanceRecord>();

  async createQuiz(quiz: StoredQuiz): Promise<boolean> {
    const ids = this.#quizzesByLesson.get(quiz.lessonId) ?? [];
    if (ids.some((id) => this.#quizzes.get(id)?.status === 'open')) return false;
    this.#quizzes.set(quiz.id, structuredClone(quiz));
    ids.push(quiz.id);
    this.#quizzesByLesson.set(quiz.lessonId, ids);
    return true;
  }

  async getQuiz(quizId: string): Promise<StoredQuiz | undefined> {
    const quiz = this.#quizzes.get(quizId);
    return quiz && structuredClone(quiz);
  }

  async setQuizStatus(quizId: string, from: Quiz['status'][], to: Quiz['status']): Promise<StoredQuiz | undefined> {
    const quiz = this.#quizzes.get(quizId);
    if (!quiz || !from.includes(quiz.status)) return undefined;
    quiz.status = to;
    return structuredClone(quiz);
  }

  async listQuizzes(lessonId: string): Promise<StoredQuiz[]> {
    return (this.#quizzesByLesson.get(lessonId) ?? []).flatMap((id) => {
      const quiz = this.#quizzes.get(id);
      return quiz ? [structuredClone(quiz)] : [];
    });
  }

  async addAnswer(answer: QuizAnswerRecord): Promise<boolean> {
    const key = answerKey(answer);
    if (this.#answerKeys.has(key)) return false;
    this.#answerKeys.add(key);
    this.#answers.push(structuredClone(answer));
    return true;
  }

  async listAnswers(filter: AnswerFilter): Promise<QuizAnswerRecord[]> {
    return this.#answers
      .filter(
        (a) =>
          (filter.lessonId === undefined || a.lessonId === filter.lessonId) &&
          (filter.quizId === undefined || a.quizId === filter.quizId) &&
          (filter.classroomId === undefined || a.classroomId === filter.classroomId) &&
          (filter.participantId === undefined || a.participantId === filter.participantId),
      )
      .map((a) => structuredClone(a));
  }

  async addChatMessage(record: StoredChatMessage): Promise<void> {
    const list = this.#chat.get(record.lessonId) ?? [];
    list.push(structuredClone(record));
    this.#chat.set(record.lessonId, list);
  }

  async getChatMessage(lessonId: string, messageId: string): Promise<StoredChatMessage | undefined> {
    const found = this.#chat.get(lessonId)?.find((r) => r.message.id === messageId);
    return found && structuredClone(found);
  }

  async deleteChatMessage(lessonId: string, messageId: string, by: string, at: string): Promise<boolean> {
    const found = this.#chat.get(lessonId)?.find((r) => r.message.id === messageId);
    if (!found || found.deletedAt) return false;
    found.deletedAt = at;
    found.deletedBy = by;
    return true;
  }

  async recentChat(lessonId: string, limit: number): Promise<ChatMessage[]> {
    const visible = (this.#chat.get(lessonId) ?? []).filter((r) => !r.deletedAt);
    return visible.slice(Math.max(0, visible.length - limit)).map((r) => structuredClone(r.message));
  }

  async chatEnabled(lessonId: string): Promise<boolean> {
    return !this.#chatOff.has(lessonId);
  }

  async setChatEnabled(lessonId: string, enabled: boolean): Promise<void> {
    if (enabled) this.#chatOff.delete(lessonId);
    else this.#chatOff.add(lessonId);
  }

  async addPrivateMessage(lessonId: string, message: PrivateMessage): Promise<void> {
    const list = this.#private.get(lessonId) ?? [];
    list.push(structuredClone(message));
    this.#private.set(lessonId, list);
  }

  async addComment(lessonId: string, comment: Comment): Promise<void> {
    const list = this.#comments.get(lessonId) ?? [];
    list.push(structuredClone(comment));
    this.#comments.set(lessonId, list);
  }

  async listComments(lessonId: string): Promise<Comment[]> {
    return structuredClone(this.#comments.get(lessonId) ?? []);
  }

  #attendanceOf(lessonId: string, classroomId: string): AttendanceRecord {
    const key = `${lessonId}:${classroomId}`;
    let record = this.#attendance.get(key);
    if (!record) {
      record = emptyAttendance();
      this.#attendance.set(key, record);
    }
    return record;
  }

  async recordAttendance(lessonId: string, classroomId: string, present: number, by: string, at: string): Promise<AttendanceRecord> {
    const record = this.#attendanceOf(lessonId, classroomId);
    Object.assign(record, { present, recordedAt: at, recordedBy: by });
    return structuredClone(record);
  }

  async checkIn(lessonId: string, classroomId: string, entry: CheckIn): Promise<{ entry: CheckIn; created: boolean }> {
    const record = this.#attendanceOf(lessonId, classroomId);
    const existing = record.checkedIn.find((c) => c.participantId === entry.participantId);
    if (existing) return { entry: structuredClone(existing), created: false };
    record.checkedIn.push(structuredClone(entry));
    return { entry: structuredClone(entry), created: true };
  }

  async attendance(lessonId: string, classroomId: string): Promise<AttendanceRecord> {
    return structuredClone(this.#attendance.get(`${lessonId}:${classroomId}`) ?? emptyAttendance());
  }
}
