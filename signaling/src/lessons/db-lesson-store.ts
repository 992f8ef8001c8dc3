import { ClassroomError, type Classroom, type CreateClassroom, type CreateLesson, type Lesson, type LessonStatus } from '@dualclass/protocol';
import { isoTime, type Database, type Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { LessonStore } from './lesson-store.ts';

interface LessonRow {
  id: string;
  title: string;
  subject: string;
  grade: string;
  teacher_name: string;
  school: string;
  knowledge_points: string[];
  status: LessonStatus;
  scheduled_at: Date | string | null;
  started_at: Date | string | null;
  ended_at: Date | string | null;
  classroom_ids: string[];
}

interface ClassroomRow {
  id: string;
  name: string;
  school: string;
  local_teacher_name: string;
  roster_size: number;
}

/** A lesson row with its paired classrooms, in pairing order; `l` is the lessons row. */
const LESSON_COLUMNS = `l.id, l.title, l.subject, l.grade, l.teacher_name, l.school, l.knowledge_points, l.status,
  l.scheduled_at, l.started_at, l.ended_at,
  ARRAY(SELECT lc.classroom_id FROM lesson_classrooms lc WHERE lc.lesson_id = l.id ORDER BY lc.seq) AS classroom_ids`;
const CLASSROOM_COLUMNS = 'id, name, school, local_teacher_name, roster_size';

const isoOrNull = (d: Date | string | null) => (d === null ? null : isoTime(d));

function toLesson(row: LessonRow): Lesson {
  return {
    id: row.id,
    title: row.title,
    subject: row.subject,
    grade: row.grade,
    teacherName: row.teacher_name,
    school: row.school,
    knowledgePoints: row.knowledge_points,
    status: row.status,
    scheduledAt: isoOrNull(row.scheduled_at),
    startedAt: isoOrNull(row.started_at),
    endedAt: isoOrNull(row.ended_at),
    classroomIds: row.classroom_ids,
  };
}

function toClassroom(row: ClassroomRow): Classroom {
  return { id: row.id, name: row.name, school: row.school, localTeacherName: row.local_teacher_name, rosterSize: row.roster_size };
}

const lessonNotFound = () => new ClassroomError('NOT_FOUND', 'lesson not found');

/**
 * Lessons, classrooms and pairings in the database, so every signaling node on one DATABASE_URL sees the same
 * lessons and they survive a restart. Status changes are one conditional UPDATE: atomic across nodes.
 */
export class DbLessonStore implements LessonStore {
  constructor(private readonly db: Database) {}

  async createLesson(input: CreateLesson): Promise<Lesson> {
    const [row] = await this.db.query<LessonRow>(
      `INSERT INTO lessons AS l (id, title, subject, grade, teacher_name, school, knowledge_points, scheduled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${LESSON_COLUMNS}`,
      [newId('les'), input.title, input.subject, input.grade, input.teacherName, input.school, input.knowledgePoints, input.scheduledAt],
    );
    return toLesson(row!);
  }

  async getLesson(id: string): Promise<Lesson> {
    const [row] = await this.db.query<LessonRow>(`SELECT ${LESSON_COLUMNS} FROM lessons l WHERE l.id = $1`, [id]);
    if (!row) throw lessonNotFound();
    return toLesson(row);
  }

  async listLessons(): Promise<Lesson[]> {
    const rows = await this.db.query<LessonRow>(`SELECT ${LESSON_COLUMNS} FROM lessons l ORDER BY l.seq`);
    return rows.map(toLesson);
  }

  /** Compare-and-set in one statement, so of two concurrent "start" requests on any nodes exactly one wins. */
  async setLessonStatus(id: string, from: LessonStatus, to: LessonStatus): Promise<Lesson> {
    // The node's clock, like the timeline's, so lesson times and event offsets agree.
    const now = new Date().toISOString();
    const [row] = await this.db.query<LessonRow>(
      `UPDATE lessons l SET status = $3,
         started_at = CASE WHEN $3 = 'live' THEN $4::timestamptz ELSE l.started_at END,
         ended_at = CASE WHEN $3 = 'ended' THEN $4::timestamptz ELSE l.ended_at END
       WHERE l.id = $1 AND l.status = $2
       RETURNING ${LESSON_COLUMNS}`,
      [id, from, to, now],
    );
    if (row) return toLesson(row);
    const [current] = await this.db.query<{ status: LessonStatus }>('SELECT status FROM lessons WHERE id = $1', [id]);
    if (!current) throw lessonNotFound();
    throw new ClassroomError('INVALID_STATE', `lesson is ${current.status}, not ${from}`);
  }

  async createClassroom(input: CreateClassroom): Promise<Classroom> {
    const [row] = await this.db.query<ClassroomRow>(
      `INSERT INTO classrooms (id, name, school, local_teacher_name, roster_size) VALUES ($1, $2, $3, $4, $5)
       RETURNING ${CLASSROOM_COLUMNS}`,
      [newId('cls'), input.name, input.school, input.localTeacherName, input.rosterSize],
    );
    return toClassroom(row!);
  }

  async getClassroom(id: string): Promise<Classroom> {
    return getClassroom(this.db, id);
  }

  async listClassrooms(): Promise<Classroom[]> {
    const rows = await this.db.query<ClassroomRow>(`SELECT ${CLASSROOM_COLUMNS} FROM classrooms ORDER BY seq`);
    return rows.map(toClassroom);
  }

  /** Idempotent; refused once the lesson has ended, even when "end" runs concurrently on another node. */
  async pairClassroom(lessonId: string, classroomId: string): Promise<Lesson> {
    return this.db.transaction(async (tx) => {
      await getClassroom(tx, classroomId);
      // FOR SHARE holds off a concurrent status change until this pairing commits.
      const [lesson] = await tx.query<{ status: LessonStatus }>('SELECT status FROM lessons WHERE id = $1 FOR SHARE', [lessonId]);
      if (!lesson) throw lessonNotFound();
      if (lesson.status === 'ended') throw new ClassroomError('INVALID_STATE', 'lesson has ended');
      await tx.query(
        'INSERT INTO lesson_classrooms (lesson_id, classroom_id) VALUES ($1, $2) ON CONFLICT (lesson_id, classroom_id) DO NOTHING',
        [lessonId, classroomId],
      );
      const [row] = await tx.query<LessonRow>(`SELECT ${LESSON_COLUMNS} FROM lessons l WHERE l.id = $1`, [lessonId]);
      return toLesson(row!);
    });
  }
}

async function getClassroom(db: Queryable, id: string): Promise<Classroom> {
  const [row] = await db.query<ClassroomRow>(`SELECT ${CLASSROOM_COLUMNS} FROM classrooms WHERE id = $1`, [id]);
  if (!row) throw new ClassroomError('NOT_FOUND', 'classroom not found');
  return toClassroom(row);
}
