import { describe, expect, it } from 'vitest';
import { isClassroomError, type Participant } from '@dualclass/protocol';
import { assertMaySend, assertMayToggle, mayDelete } from './chat-rules.ts';
import type { StoredChatMessage } from './interaction-store.ts';

const person = (id: string, role: Participant['role'], classroomId: string | null = null) => ({ id, role, classroomId });
const message = (from: ReturnType<typeof person>): StoredChatMessage => ({
  lessonId: 'les_1',
  classroomId: from.classroomId,
  deletedAt: null,
  deletedBy: null,
  message: { id: 'msg_1', participantId: from.id, displayName: from.id, role: from.role, kind: 'chat', text: 'hi', sentAt: new Date(0).toISOString() },
});
const code = (fn: () => void) => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return isClassroomError(err) ? err.code : 'not a ClassroomError';
  }
};

describe('chat rules', () => {
  const master = person('par_m', 'master_teacher');
  const teacherA = person('par_ta', 'local_teacher', 'cls_a');
  const studentA = person('par_sa', 'student', 'cls_a');
  const studentB = person('par_sb', 'student', 'cls_b');
  const loneStudent = person('par_s0', 'student');

  it('lets only moderators write while chat is off', () => {
    expect(code(() => assertMaySend(studentA, true))).toBe('no error');
    expect(code(() => assertMaySend(studentA, false))).toBe('INVALID_STATE');
    expect(code(() => assertMaySend(master, false))).toBe('no error');
    expect(code(() => assertMaySend(teacherA, false))).toBe('no error');
  });

  it('lets the master delete anything and a local teacher only their room and themselves', () => {
    expect(mayDelete(master, message(studentB))).toBe(true);
    expect(mayDelete(teacherA, message(studentA))).toBe(true);
    expect(mayDelete(teacherA, message(teacherA))).toBe(true);
    expect(mayDelete(teacherA, message(studentB))).toBe(false);
    expect(mayDelete(teacherA, message(loneStudent))).toBe(false);
    expect(mayDelete(teacherA, message(master))).toBe(false);
    expect(mayDelete(studentA, message(studentA))).toBe(false);
    // A local teacher without a classroom matches no room, not every room without one.
    expect(mayDelete(person('par_t0', 'local_teacher'), message(loneStudent))).toBe(false);
  });

  it('leaves the lesson-wide chat switch to the master', () => {
    expect(code(() => assertMayToggle(master))).toBe('no error');
    expect(code(() => assertMayToggle(teacherA))).toBe('FORBIDDEN');
    expect(code(() => assertMayToggle(studentA))).toBe('FORBIDDEN');
  });
});
