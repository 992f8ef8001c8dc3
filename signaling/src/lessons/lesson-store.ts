import type { Classroom, CreateClassroom, CreateLesson, Lesson, LessonStatus } from '@dualclass/protocol';

/**
 * Durable lesson and classroom records, shared by every signaling node (DbLessonStore). Unknown ids throw
 * NOT_FOUND; a status change from the wrong status, or pairing with an ended lesson, throws INVALID_STATE.
 */
export interface LessonStore {
  createLesson(input: CreateLesson): Promise<Lesson>;
  getLesson(id: string): Promise<Lesson>;
  listLessons(): Promise<Lesson[]>;
  /** Compare-and-set: moves the lesson to `to` only if it is `from`, so two concurrent "start" requests cannot both win. */
  setLessonStatus(id: string, from: LessonStatus, to: LessonStatus): Promise<Lesson>;
  createClassroom(input: CreateClassroom): Promise<Classroom>;
  getClassroom(id: string): Promise<Classroom>;
  listClassrooms(): Promise<Classroom[]>;
  /** Idempotent: pairing twice keeps one entry; classroomIds stay in pairing order. */
  pairClassroom(lessonId: string, classroomId: string): Promise<Lesson>;
}
