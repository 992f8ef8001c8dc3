import type { Lesson, Participant, Publication, ResponseOf } from '@dualclass/protocol';

/** Fixtures for the core's unit tests (plain data; nothing here touches a browser). */

export const lesson: Lesson = {
  id: 'les_1',
  title: '电磁感应',
  subject: '物理',
  grade: '高二',
  teacherName: '王老师',
  school: '一中',
  knowledgePoints: ['法拉第电磁感应定律'],
  status: 'live',
  scheduledAt: null,
  startedAt: '2025-01-01T08:00:00.000Z',
  endedAt: null,
  classroomIds: ['cls_1', 'cls_2'],
};

export function participant(id: string, role: Participant['role'], extra: Partial<Participant> = {}): Participant {
  return {
    id,
    lessonId: 'les_1',
    role,
    displayName: id,
    classroomId: null,
    joinedAt: '2025-01-01T08:00:00.000Z',
    connection: 'connected',
    handRaisedAt: null,
    onStage: false,
    ...extra,
  };
}

export function publication(producerId: string, participantId: string, kind: 'audio' | 'video', extra: Partial<Publication> = {}): Publication {
  return {
    producerId,
    participantId,
    kind,
    source: kind === 'video' ? 'camera' : 'microphone',
    label: producerId,
    paused: false,
    hardMuted: false,
    audience: 'all',
    simulcastLayers: kind === 'video' ? 3 : 1,
    ...extra,
  };
}

export function joinData(self: Participant, participants: Participant[], publications: Publication[], extra: Partial<ResponseOf<'lesson:join'>> = {}): ResponseOf<'lesson:join'> {
  return {
    self,
    lesson,
    participants: [...participants, self],
    publications,
    stage: { limit: 4, members: [] },
    chat: { enabled: true, recent: [] },
    quiz: null,
    comments: [],
    attendance: [],
    resumeKey: 'resume-key-for-tests-0123456789',
    resumed: null,
    ...extra,
  };
}
