import { ClassroomError, type Attendance, type Lesson, type Participant } from '@dualclass/protocol';
import { openLesson, type InteractionContext } from './context.ts';
import type { AttendanceRecord } from './interaction-store.ts';

/** The wire view of one classroom's attendance: the local teacher's count, or the check-ins until one is recorded. */
export function toAttendance(classroomId: string, rosterSize: number, record: AttendanceRecord): Attendance {
  return {
    classroomId,
    present: record.present ?? record.checkedIn.length,
    rosterSize,
    checkedIn: record.checkedIn.map((c) => ({ ...c })),
    recordedAt: record.recordedAt,
  };
}

/** A head count must fit the roster. */
export function assertPresentFits(present: number, rosterSize: number): void {
  if (present > rosterSize) throw new ClassroomError('BAD_REQUEST', `present (${present}) exceeds the roster (${rosterSize})`);
}

/**
 * Attendance (考勤): the local teacher records the head count of their own classroom; students on personal
 * devices check themselves in. Teachers, observers and admins see every paired classroom.
 */
export class AttendanceService {
  constructor(private readonly ctx: InteractionContext) {}

  async record(actor: Participant, present: number): Promise<Attendance> {
    const classroomId = actor.classroomId;
    if (!classroomId) throw new ClassroomError('FORBIDDEN', 'attendance is recorded for your own classroom');
    const lesson = await openLesson(this.ctx, actor.lessonId);
    const classroom = await this.ctx.store.getClassroom(classroomId);
    assertPresentFits(present, classroom.rosterSize);
    const record = await this.ctx.interactionStore.recordAttendance(lesson.id, classroomId, present, actor.id, new Date().toISOString());
    const attendance = toAttendance(classroomId, classroom.rosterSize, record);
    this.ctx.broadcast.toPermission(lesson.id, 'attendance:view', 'attendance:updated', attendance);
    await this.ctx.timeline.record(lesson, 'attendance', {
      actorId: actor.id,
      subjectId: classroomId,
      data: { present, rosterSize: classroom.rosterSize },
    });
    return attendance;
  }

  /** A student's own check-in; a second one returns the time of the first. */
  async checkIn(student: Participant): Promise<{ at: string }> {
    const classroomId = student.classroomId;
    if (!classroomId) throw new ClassroomError('BAD_REQUEST', 'student has no classroom');
    const lesson = await openLesson(this.ctx, student.lessonId);
    const { entry, created } = await this.ctx.interactionStore.checkIn(lesson.id, classroomId, {
      participantId: student.id,
      displayName: student.displayName,
      at: new Date().toISOString(),
    });
    if (created) {
      const [classroom, record] = await Promise.all([
        this.ctx.store.getClassroom(classroomId),
        this.ctx.interactionStore.attendance(lesson.id, classroomId),
      ]);
      this.ctx.broadcast.toPermission(lesson.id, 'attendance:view', 'attendance:updated', toAttendance(classroomId, classroom.rosterSize, record));
      await this.ctx.timeline.record(lesson, 'check_in', { actorId: student.id, subjectId: classroomId });
    }
    return { at: entry.at };
  }

  /** One entry per classroom paired with the lesson. */
  async list(lesson: Pick<Lesson, 'id' | 'classroomIds'>): Promise<Attendance[]> {
    return Promise.all(
      lesson.classroomIds.map(async (classroomId) => {
        const [classroom, record] = await Promise.all([
          this.ctx.store.getClassroom(classroomId),
          this.ctx.interactionStore.attendance(lesson.id, classroomId),
        ]);
        return toAttendance(classroomId, classroom.rosterSize, record);
      }),
    );
  }
}
