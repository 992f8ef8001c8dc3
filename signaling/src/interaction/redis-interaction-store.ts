import type { Redis } from 'ioredis';
import type { ChatMessage, Comment, PrivateMessage, Quiz } from '@dualclass/protocol';
import { orUnavailable, RedisScript } from '../state/redis-command.ts';
import {
  answerKey,
  type AnswerFilter,
  type AttendanceRecord,
  type CheckIn,
  type InteractionStore,
  type QuizAnswerRecord,
  type StoredChatMessage,
  type StoredQuiz,
} from './interaction-store.ts';

/** Every key this store writes, in one place. `{…}` parts are ids; nothing else is ever interpolated. */
const key = {
  quiz: (quizId: string) => `dualclass:ix:quiz:${quizId}`,
  lessonQuizzes: (lessonId: string) => `dualclass:ix:lesson-quizzes:${lessonId}`,
  answers: (quizId: string) => `dualclass:ix:answers:${quizId}`,
  answerTaken: (quizId: string) => `dualclass:ix:answer-taken:${quizId}`,
  answeredQuizzes: (lessonId: string) => `dualclass:ix:answered-quizzes:${lessonId}`,
  allAnsweredQuizzes: 'dualclass:ix:answered-quizzes',
  chatOrder: (lessonId: string) => `dualclass:ix:chat-order:${lessonId}`,
  chatMessages: (lessonId: string) => `dualclass:ix:chat:${lessonId}`,
  chatDeleted: (lessonId: string) => `dualclass:ix:chat-deleted:${lessonId}`,
  chatOff: 'dualclass:ix:chat-off',
  privateMessages: (lessonId: string) => `dualclass:ix:private:${lessonId}`,
  comments: (lessonId: string) => `dualclass:ix:comments:${lessonId}`,
  attendance: (lessonId: string, classroomId: string) => `dualclass:ix:attendance:${lessonId}:${classroomId}`,
  checkIns: (lessonId: string, classroomId: string) => `dualclass:ix:check-ins:${lessonId}:${classroomId}`,
  checkInOrder: (lessonId: string, classroomId: string) => `dualclass:ix:check-in-order:${lessonId}:${classroomId}`,
};

/** A quiz is kept as its JSON (`data`, without status) and its `status`, so the status can change atomically in Lua. */
const createQuiz = new RedisScript(
  `for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
     if redis.call('HGET', ARGV[1] .. id, 'status') == 'open' then return 0 end
   end
   redis.call('HSET', KEYS[2], 'data', ARGV[3], 'status', ARGV[4])
   redis.call('RPUSH', KEYS[1], ARGV[2])
   return 1`,
  2,
);

const setQuizStatus = new RedisScript(
  `local current = redis.call('HGET', KEYS[1], 'status')
   if not current then return false end
   for i = 2, #ARGV do
     if ARGV[i] == current then
       redis.call('HSET', KEYS[1], 'status', ARGV[1])
       return redis.call('HGET', KEYS[1], 'data')
     end
   end
   return false`,
  1,
);

const addAnswer = new RedisScript(
  `if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
   redis.call('RPUSH', KEYS[2], ARGV[2])
   redis.call('SADD', KEYS[3], ARGV[3])
   redis.call('SADD', KEYS[4], ARGV[3])
   return 1`,
  4,
);

const deleteChatMessage = new RedisScript(
  `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
   return redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])`,
  2,
);

/** Walks the chat back from its newest end in chunks until `limit` undeleted messages are found; newest first. */
const recentChat = new RedisScript(
  `local limit = tonumber(ARGV[1])
   local found = {}
   local stop = -1
   while #found < limit do
     local ids = redis.call('LRANGE', KEYS[1], stop - 99, stop)
     if #ids == 0 then break end
     for i = #ids, 1, -1 do
       if redis.call('HEXISTS', KEYS[3], ids[i]) == 0 then
         found[#found + 1] = redis.call('HGET', KEYS[2], ids[i])
         if #found == limit then break end
       end
     end
     if #ids < 100 then break end
     stop = stop - 100
   end
   return found`,
  3,
);

const checkIn = new RedisScript(
  `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
     redis.call('RPUSH', KEYS[2], ARGV[1])
     return {1, ARGV[2]}
   end
   return {0, redis.call('HGET', KEYS[1], ARGV[1])}`,
  2,
);

const readAttendance = new RedisScript(
  `local head = redis.call('HMGET', KEYS[1], 'present', 'recordedAt', 'recordedBy')
   local entries = {}
   for i, id in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do entries[i] = redis.call('HGET', KEYS[2], id) end
   return {head, entries}`,
  3,
);

type QuizData = Omit<StoredQuiz, 'status'>;

const quizFrom = (data: string, status: string): StoredQuiz => ({ ...(JSON.parse(data) as QuizData), status: status as Quiz['status'] });

/**
 * InteractionStore in Redis, shared by every signaling node. The check-then-write methods (one open quiz per
 * lesson, one answer per student or room, one check-in per student, delete once) are single Lua scripts, so
 * they stay atomic however many nodes call them at once.
 */
export class RedisInteractionStore implements InteractionStore {
  constructor(private readonly redis: Redis) {}

  async createQuiz(quiz: StoredQuiz): Promise<boolean> {
    const { status, ...data } = quiz;
    const created = await createQuiz.run(this.redis, [key.lessonQuizzes(quiz.lessonId), key.quiz(quiz.id)], [key.quiz(''), quiz.id, JSON.stringify(data), status]);
    return created === 1;
  }

  async getQuiz(quizId: string): Promise<StoredQuiz | undefined> {
    const [data, status] = await orUnavailable(this.redis.hmget(key.quiz(quizId), 'data', 'status'));
    return data && status ? quizFrom(data, status) : undefined;
  }

  async setQuizStatus(quizId: string, from: Quiz['status'][], to: Quiz['status']): Promise<StoredQuiz | undefined> {
    const data = await setQuizStatus.run(this.redis, [key.quiz(quizId)], [to, ...from]);
    return typeof data === 'string' ? quizFrom(data, to) : undefined;
  }

  async listQuizzes(lessonId: string): Promise<StoredQuiz[]> {
    const ids = await orUnavailable(this.redis.lrange(key.lessonQuizzes(lessonId), 0, -1));
    const rows = await Promise.all(ids.map((id) => orUnavailable(this.redis.hmget(key.quiz(id), 'data', 'status'))));
    return rows.flatMap(([data, status]) => (data && status ? [quizFrom(data, status)] : []));
  }

  async addAnswer(answer: QuizAnswerRecord): Promise<boolean> {
    const added = await addAnswer.run(
      this.redis,
      [key.answerTaken(answer.quizId), key.answers(answer.quizId), key.answeredQuizzes(answer.lessonId), key.allAnsweredQuizzes],
      [answerKey(answer), JSON.stringify(answer), answer.quizId],
    );
    return added === 1;
  }

  /** Answers of one quiz come in the order they were given; the order between quizzes is not kept. */
  async listAnswers(filter: AnswerFilter): Promise<QuizAnswerRecord[]> {
    const quizIds = filter.quizId
      ? [filter.quizId]
      : await orUnavailable(this.redis.smembers(filter.lessonId ? key.answeredQuizzes(filter.lessonId) : key.allAnsweredQuizzes));
    const lists = await Promise.all(quizIds.map((id) => orUnavailable(this.redis.lrange(key.answers(id), 0, -1))));
    return lists
      .flat()
      .map((json) => JSON.parse(json) as QuizAnswerRecord)
      .filter(
        (a) =>
          (filter.lessonId === undefined || a.lessonId === filter.lessonId) &&
          (filter.classroomId === undefined || a.classroomId === filter.classroomId) &&
          (filter.participantId === undefined || a.participantId === filter.participantId),
      );
  }

  async addChatMessage(record: StoredChatMessage): Promise<void> {
    const { lessonId, message, classroomId, deletedAt, deletedBy } = record;
    const tx = this.redis
      .multi()
      .hset(key.chatMessages(lessonId), message.id, JSON.stringify({ message, classroomId }))
      .rpush(key.chatOrder(lessonId), message.id);
    if (deletedAt) tx.hset(key.chatDeleted(lessonId), message.id, JSON.stringify({ deletedAt, deletedBy }));
    await orUnavailable(tx.exec());
  }

  async getChatMessage(lessonId: string, messageId: string): Promise<StoredChatMessage | undefined> {
    const [stored, deleted] = await Promise.all([
      orUnavailable(this.redis.hget(key.chatMessages(lessonId), messageId)),
      orUnavailable(this.redis.hget(key.chatDeleted(lessonId), messageId)),
    ]);
    if (!stored) return undefined;
    const { message, classroomId } = JSON.parse(stored) as Pick<StoredChatMessage, 'message' | 'classroomId'>;
    const { deletedAt, deletedBy } = deleted ? (JSON.parse(deleted) as Pick<StoredChatMessage, 'deletedAt' | 'deletedBy'>) : { deletedAt: null, deletedBy: null };
    return { lessonId, message, classroomId, deletedAt, deletedBy };
  }

  async deleteChatMessage(lessonId: string, messageId: string, by: string, at: string): Promise<boolean> {
    const deleted = await deleteChatMessage.run(
      this.redis,
      [key.chatMessages(lessonId), key.chatDeleted(lessonId)],
      [messageId, JSON.stringify({ deletedAt: at, deletedBy: by })],
    );
    return deleted === 1;
  }

  async recentChat(lessonId: string, limit: number): Promise<ChatMessage[]> {
    if (limit <= 0) return [];
    const newestFirst = (await recentChat.run(this.redis, [key.chatOrder(lessonId), key.chatMessages(lessonId), key.chatDeleted(lessonId)], [limit])) as string[];
    return newestFirst.reverse().map((json) => (JSON.parse(json) as Pick<StoredChatMessage, 'message'>).message);
  }

  async chatEnabled(lessonId: string): Promise<boolean> {
    return (await orUnavailable(this.redis.sismember(key.chatOff, lessonId))) === 0;
  }

  async setChatEnabled(lessonId: string, enabled: boolean): Promise<void> {
    await orUnavailable(enabled ? this.redis.srem(key.chatOff, lessonId) : this.redis.sadd(key.chatOff, lessonId));
  }

  async addPrivateMessage(lessonId: string, message: PrivateMessage): Promise<void> {
    await orUnavailable(this.redis.rpush(key.privateMessages(lessonId), JSON.stringify(message)));
  }

  async addComment(lessonId: string, comment: Comment): Promise<void> {
    await orUnavailable(this.redis.rpush(key.comments(lessonId), JSON.stringify(comment)));
  }

  async listComments(lessonId: string): Promise<Comment[]> {
    const rows = await orUnavailable(this.redis.lrange(key.comments(lessonId), 0, -1));
    return rows.map((json) => JSON.parse(json) as Comment);
  }

  async recordAttendance(lessonId: string, classroomId: string, present: number, by: string, at: string): Promise<AttendanceRecord> {
    await orUnavailable(this.redis.hset(key.attendance(lessonId, classroomId), { present, recordedAt: at, recordedBy: by }));
    return this.attendance(lessonId, classroomId);
  }

  async checkIn(lessonId: string, classroomId: string, entry: CheckIn): Promise<{ entry: CheckIn; created: boolean }> {
    const [created, stored] = (await checkIn.run(
      this.redis,
      [key.checkIns(lessonId, classroomId), key.checkInOrder(lessonId, classroomId)],
      [entry.participantId, JSON.stringify(entry)],
    )) as [number, string];
    return { entry: JSON.parse(stored) as CheckIn, created: created === 1 };
  }

  async attendance(lessonId: string, classroomId: string): Promise<AttendanceRecord> {
    const [[present, recordedAt, recordedBy], entries] = (await readAttendance.run(
      this.redis,
      [key.attendance(lessonId, classroomId), key.checkIns(lessonId, classroomId), key.checkInOrder(lessonId, classroomId)],
      [],
    )) as [[string | null, string | null, string | null], string[]];
    return {
      present: present === null ? null : Number(present),
      recordedAt,
      recordedBy,
      checkedIn: entries.map((json) => JSON.parse(json) as CheckIn),
    };
  }
}
