import type { ChildProcess } from 'node:child_process';
import type { IngestInfo, Lesson, Role } from '@dualclass/protocol';
import type { AdminClient } from './admin-client.ts';
import { FEED_AUDIO, FEED_VIDEO, startStudioFeed } from './studio-feed.ts';

export interface DemoLesson {
  lesson: Lesson;
  ingest: IngestInfo;
  feed: ChildProcess;
  /** One join link per role, relative to the signaling origin. */
  links: Record<Exclude<Role, 'local_teacher'> | 'local_teacher', string>;
}

/**
 * A ready-to-watch lesson for newcomers: a studio feed from ffmpeg's test pattern, two paired
 * remote classrooms, the lesson already live, and a join link for every role.
 */
export async function createDemoLesson(admin: AdminClient, options: { ttlSeconds?: number } = {}): Promise<DemoLesson> {
  const lesson = await admin.createLesson({
    title: '电磁感应现象（演示课）',
    subject: '物理',
    grade: '九年级',
    teacherName: '王老师',
    school: '市第一中学',
    knowledgePoints: ['电磁感应', '楞次定律'],
  });
  const classroomA = await admin.createClassroom({ name: '九年级（2）班', school: '青山县第二中学', localTeacherName: '李老师', rosterSize: 42 });
  const classroomB = await admin.createClassroom({ name: '九年级（1）班', school: '河口乡中心学校', localTeacherName: '张老师', rosterSize: 28 });
  await admin.pairClassroom(lesson.id, classroomA.id);
  await admin.pairClassroom(lesson.id, classroomB.id);

  const ingest = await admin.createIngest(lesson.id, { label: '演示信号（测试图）', video: FEED_VIDEO, audio: FEED_AUDIO });
  const feed = startStudioFeed(ingest);
  const live = await admin.startLesson(lesson.id);

  const ttlSeconds = options.ttlSeconds ?? 12 * 60 * 60;
  const link = async (role: Role, displayName: string, classroomId?: string) =>
    (await admin.issueToken(lesson.id, { role, displayName, ttlSeconds, ...(classroomId ? { classroomId } : {}) })).joinPath;

  return {
    lesson: live,
    ingest,
    feed,
    links: {
      master_teacher: await link('master_teacher', '王老师'),
      classroom_device: await link('classroom_device', classroomA.name, classroomA.id),
      local_teacher: await link('local_teacher', '李老师', classroomA.id),
      student: await link('student', '小明', classroomA.id),
      observer: await link('observer', '教研员 陈老师'),
      admin: await link('admin', '管理员'),
    },
  };
}
