import { describe, expect, it } from 'vitest';
import type { Participant, Publication } from '@dualclass/protocol';
import { LessonRegistry } from './live-lesson.ts';

const person = (id: string, role: Participant['role'] = 'student'): Participant => ({
  id, lessonId: 'les_1', role, displayName: id, classroomId: null, joinedAt: new Date(0).toISOString(), connection: 'connected',
  handRaisedAt: null, onStage: false,
});
const track = (producerId: string, participantId: string): Publication => ({
  producerId, participantId, kind: 'video', source: 'camera', label: '教师特写', paused: false, hardMuted: false, audience: 'all', simulcastLayers: 3,
});

describe('LiveLesson ownership tree', () => {
  it('closes publications, then participants, then the lesson, each once', () => {
    const registry = new LessonRegistry();
    const lesson = registry.getOrCreate('les_1');
    const master = lesson.addParticipant(person('par_m', 'master_teacher'));
    master.addPublication(track('pro_1', 'par_m'));
    master.addPublication(track('pro_2', 'par_m'));
    const events: string[] = [];
    master.on('publicationclose', (p) => events.push(`pub:${p.producerId}`));
    master.on('close', (reason) => events.push(`participant:${reason}`));
    lesson.on('close', () => events.push('lesson'));

    lesson.close();
    lesson.close();
    expect(events).toEqual(['pub:pro_1', 'pub:pro_2', 'participant:lesson_closed', 'lesson']);
    expect(master.closed).toBe(true);
    expect(registry.get('les_1')).toBeUndefined();
    expect(() => lesson.addParticipant(person('par_late'))).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
  });

  it('replaces a participant who joins again with the same id', () => {
    const lesson = new LessonRegistry().getOrCreate('les_1');
    const first = lesson.addParticipant(person('par_s'));
    let reason = '';
    first.on('close', (r) => (reason = r));
    const second = lesson.addParticipant(person('par_s'));
    expect(reason).toBe('replaced');
    expect(lesson.participant('par_s')).toBe(second);
    expect(lesson.participants).toHaveLength(1);
  });

  it('finds a publication and its owner by producer id', () => {
    const lesson = new LessonRegistry().getOrCreate('les_1');
    const master = lesson.addParticipant(person('par_m', 'master_teacher'));
    master.addPublication(track('pro_9', 'par_m'));
    expect(lesson.findPublication('pro_9')?.owner).toBe(master);
    expect(lesson.findPublication('pro_x')).toBeUndefined();
    master.removePublication('pro_9');
    expect(lesson.publications()).toEqual([]);
  });
});
