import { describe, expect, it } from 'vitest';
import { AttendanceSchema, isClassroomError } from '@dualclass/protocol';
import { assertPresentFits, toAttendance } from './attendance-service.ts';
import { lessonOffsetMs } from './comment-service.ts';
import { InMemoryInteractionStore } from './interaction-store.ts';

describe('attendance', () => {
  it('refuses a head count larger than the roster', () => {
    expect(() => assertPresentFits(40, 40)).not.toThrow();
    try {
      assertPresentFits(41, 40);
      expect.unreachable();
    } catch (err) {
      expect(isClassroomError(err, 'BAD_REQUEST')).toBe(true);
    }
  });

  it('keeps the first check-in and shows check-ins until a count is recorded', async () => {
    const store = new InMemoryInteractionStore();
    const first = await store.checkIn('les_1', 'cls_a', { participantId: 'par_1', displayName: '小明', at: '2026-01-01T08:00:00.000Z' });
    const again = await store.checkIn('les_1', 'cls_a', { participantId: 'par_1', displayName: '小明', at: '2026-01-01T08:05:00.000Z' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ created: false, entry: first.entry });
    await store.checkIn('les_1', 'cls_a', { participantId: 'par_2', displayName: '小红', at: '2026-01-01T08:01:00.000Z' });

    const before = toAttendance('cls_a', 40, await store.attendance('les_1', 'cls_a'));
    expect(AttendanceSchema.parse(before)).toEqual(before);
    expect(before).toMatchObject({ present: 2, rosterSize: 40, recordedAt: null });
    expect(before.checkedIn.map((c) => c.participantId)).toEqual(['par_1', 'par_2']);

    await store.recordAttendance('les_1', 'cls_a', 38, 'par_t', '2026-01-01T08:10:00.000Z');
    const after = toAttendance('cls_a', 40, await store.attendance('les_1', 'cls_a'));
    expect(after).toMatchObject({ present: 38, recordedAt: '2026-01-01T08:10:00.000Z' });
    expect(after.checkedIn).toHaveLength(2);
    // Another lesson's attendance for the same room is separate.
    expect(toAttendance('cls_a', 40, await store.attendance('les_2', 'cls_a'))).toMatchObject({ present: 0, checkedIn: [] });
  });

  it('places comments on the lesson clock, at 0 before the lesson starts', () => {
    expect(lessonOffsetMs({ startedAt: null }, Date.parse('2026-01-01T08:00:00.000Z'))).toBe(0);
    expect(lessonOffsetMs({ startedAt: '2026-01-01T08:00:00.000Z' }, Date.parse('2026-01-01T08:01:30.250Z'))).toBe(90_250);
    expect(lessonOffsetMs({ startedAt: '2026-01-01T08:00:00.000Z' }, Date.parse('2026-01-01T07:59:00.000Z'))).toBe(0);
  });
});
