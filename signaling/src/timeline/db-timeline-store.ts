import { ClassroomError, type TimelineEvent, type TimelineType } from '@dualclass/protocol';
import { isoTime, sqlState, type Database } from '../db/database.ts';
import type { TimelineStore } from './timeline.ts';

interface EventRow {
  id: string;
  lesson_id: string;
  type: TimelineType;
  at: Date | string;
  lesson_ms: string | number;
  actor_id: string | null;
  subject_id: string | null;
  data: TimelineEvent['data'];
}

const FOREIGN_KEY_VIOLATION = '23503';

/** Every lesson's timeline in the database, read back in append order whichever node appended. */
export class DbTimelineStore implements TimelineStore {
  constructor(private readonly db: Database) {}

  async append(event: TimelineEvent): Promise<void> {
    await this.db
      .query(
        `INSERT INTO timeline_events (id, lesson_id, type, at, lesson_ms, actor_id, subject_id, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
        [event.id, event.lessonId, event.type, event.at, event.lessonMs, event.actorId, event.subjectId, JSON.stringify(event.data)],
      )
      .catch((err: unknown) => {
        if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw new ClassroomError('NOT_FOUND', 'lesson not found');
        throw err;
      });
  }

  async list(lessonId: string): Promise<TimelineEvent[]> {
    const rows = await this.db.query<EventRow>(
      `SELECT id, lesson_id, type, at, lesson_ms, actor_id, subject_id, data FROM timeline_events
       WHERE lesson_id = $1 ORDER BY seq`,
      [lessonId],
    );
    return rows.map((r) => ({
      id: r.id,
      lessonId: r.lesson_id,
      type: r.type,
      at: isoTime(r.at),
      // bigint arrives as a string from node-postgres.
      lessonMs: Number(r.lesson_ms),
      actorId: r.actor_id,
      subjectId: r.subject_id,
      data: r.data,
    }));
  }
}
