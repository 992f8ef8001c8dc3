import {
  ClassroomError,
  type Classroom,
  type CreateClassroom,
  type CreateLesson,
  type Lesson,
  type LessonStatus,
} from '@dualclass/protocol';
import { newId } from '../ids.ts';

/**
 * Durable lesson and classroom records. The in-memory store is the embedded default for one machine;
 * the Postgres-backed store (resource library issue) implements the same interface.
 */
export interface LessonStore {
  createLesson(input: CreateLesson): Promise<Lesson>;
  getLesson(id: string): Promise<Lesson>;
  listLessons(): Promise<Lesson[]>;
  setLessonStatus(id: string, from: LessonStatus, to: LessonStatus): Promise<Lesson>;
  createClassroom(input: CreateClassroom): Promise<Classroom>;
  getClassroom(id: string): Promise<Classroom>;
  listClassrooms(): Promise<Classroom[]>;
  pairClassroom(lessonId: string, classroomId: string): Promise<Lesson>;
}

const TIMESTAMP_FIELD: Partial<Record<LessonStatus, 'startedAt' | 'endedAt'>> = { live: 'startedAt', ended: 'endedAt' };

export class InMemoryLessonStore implements LessonStore {
  readonly #lessons = new Map<string, Lesson>();
  readonly #classrooms = new Map<string, Classroom>();

  async createLesson(input: CreateLesson): Promise<Lesson> {
    const lesson: Lesson = { id: newId('les'), ...input, status: 'scheduled', startedAt: null, endedAt: null, classroomIds: [] };
    this.#lessons.set(lesson.id, lesson);
    return structuredClone(lesson);
  }

  async getLesson(id: string): Promise<Lesson> {
    const lesson = this.#lessons.get(id);
    if (!lesson) throw new ClassroomError('NOT_FOUND', 'lesson not found');
    return structuredClone(lesson);
  }

  async listLessons(): Promise<Lesson[]> {
    return [...this.#lessons.values()].map((l) => structuredClone(l));
  }

  /** Compare-and-set, so two concurrent "start" requests cannot both win. */
  async setLessonStatus(id: string, from: LessonStatus, to: LessonStatus): Promise<Lesson> {
    const lesson = this.#lessons.get(id);
    if (!lesson) throw new ClassroomError('NOT_FOUND', 'lesson not found');
    if (lesson.status !== from) throw new ClassroomError('INVALID_STATE', `lesson is ${lesson.status}, not ${from}`);
    lesson.status = to;
    const field = TIMESTAMP_FIELD[to];
    if (field) lesson[field] = new Date().toISOString();
    return structuredClone(lesson);
  }

  async createClassroom(input: CreateClassroom): Promise<Classroom> {
    const classroom: Classroom = { id: newId('cls'), ...input };
    this.#classrooms.set(classroom.id, classroom);
    return structuredClone(classroom);
  }

  async getClassroom(id: string): Promise<Classroom> {
    const classroom = this.#classrooms.get(id);
    if (!classroom) throw new ClassroomError('NOT_FOUND', 'classroom not found');
    return structuredClone(classroom);
  }

  async listClassrooms(): Promise<Classroom[]> {
    return [...this.#classrooms.values()].map((c) => structuredClone(c));
  }

  async pairClassroom(lessonId: string, classroomId: string): Promise<Lesson> {
    await this.getClassroom(classroomId);
    const lesson = this.#lessons.get(lessonId);
    if (!lesson) throw new ClassroomError('NOT_FOUND', 'lesson not found');
    if (lesson.status === 'ended') throw new ClassroomError('INVALID_STATE', 'lesson has ended');
    if (!lesson.classroomIds.includes(classroomId)) lesson.classroomIds.push(classroomId);
    return structuredClone(lesson);
  }
}
