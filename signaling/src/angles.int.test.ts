import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestInfo, Lesson, Publication } from '@dualclass/protocol';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import { FEED_AUDIO, FEED_VIDEO } from '../../infra/src/studio-feed.ts';
import { collect, next, ok, request, TestParticipants, type ClientSocket } from './testing/participants.ts';

/*
 * Named studio angles and 导播 (angle:direct): only the master may direct, only to a live studio video of
 * this lesson; the directed angle reaches everyone, is in a late joiner's snapshot, and is cleared (null)
 * when its publication goes away.
 */

let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let room: string;
let teacherCam: IngestInfo;
let bench: IngestInfo;
let courseware: IngestInfo;

const screenParams = {
  mid: '0',
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [] }],
  encodings: [{ ssrc: 424242 }],
  rtcp: { cname: 'screen' },
};

const quiet = (ms = 300) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1, recorder: false });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '电磁感应' });
  room = (await stack.admin.createClassroom({ name: '青山二中 高二(3)班' })).id;
  await stack.admin.pairClassroom(lesson.id, room);
  await stack.admin.startLesson(lesson.id);
  teacherCam = await stack.admin.createIngest(lesson.id, { label: '教师特写', video: FEED_VIDEO, audio: FEED_AUDIO });
  bench = await stack.admin.createIngest(lesson.id, { label: '实验台', source: 'document', video: FEED_VIDEO });
  courseware = await stack.admin.createIngest(lesson.id, { label: '课件', source: 'screen', video: FEED_VIDEO });
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('angle:direct (导播)', () => {
  it('lists ingest angles with their kind in the snapshot', async () => {
    const student = await people.join(lesson.id, 'student');
    const pubs = student.snapshot['publications'] as Publication[];
    const byId = new Map(pubs.map((p) => [p.producerId, p]));
    expect(byId.get(teacherCam.video.producerId)).toMatchObject({ kind: 'video', source: 'camera', label: '教师特写' });
    expect(byId.get(teacherCam.audio!.producerId)).toMatchObject({ kind: 'audio', source: 'microphone' });
    expect(byId.get(bench.video.producerId)).toMatchObject({ kind: 'video', source: 'document', label: '实验台' });
    expect(byId.get(courseware.video.producerId)).toMatchObject({ kind: 'video', source: 'screen', label: '课件' });
    expect(student.snapshot['directedAngle']).toBeNull();
  });

  it('refuses anyone without lesson:control', async () => {
    for (const role of ['student', 'local_teacher', 'classroom_device', 'observer'] as const) {
      const { socket } = await people.join(lesson.id, role, role === 'student' || role === 'observer' ? {} : { classroomId: room });
      const seen = collect(socket, 'angle:directed');
      const ack = await request(socket, 'angle:direct', { producerId: bench.video.producerId });
      expect(ack.ok, role).toBe(false);
      if (!ack.ok) expect(ack.error.code, role).toBe('FORBIDDEN');
      await quiet(100);
      expect(seen, role).toEqual([]);
    }
  });

  it('refuses what is not a live studio video angle', async () => {
    const master = await people.join(lesson.id, 'master_teacher');
    const device = await people.join(lesson.id, 'classroom_device', { classroomId: room });
    const transport = await ok<{ id: string }>(device.socket, 'media:createTransport', { direction: 'send' });
    const roomCam = await ok<{ producerId: string }>(device.socket, 'media:produce', {
      transportId: transport.id,
      kind: 'video',
      source: 'camera',
      label: '教室画面',
      rtpParameters: { ...screenParams, encodings: [{ ssrc: 515151 }], rtcp: { cname: 'room' } },
    });
    const cases: [unknown, string][] = [
      [{ producerId: 'no_such_producer' }, 'NOT_FOUND'],
      [{ producerId: teacherCam.audio!.producerId }, 'NOT_FOUND'], // audio is not an angle
      [{ producerId: roomCam.producerId }, 'NOT_FOUND'], // a classroom's camera is not a studio angle
      [{ producerId: '../x' }, 'BAD_REQUEST'],
      [{}, 'BAD_REQUEST'],
    ];
    for (const [payload, code] of cases) {
      const ack = await request(master.socket, 'angle:direct', payload);
      expect(ack.ok, JSON.stringify(payload)).toBe(false);
      if (!ack.ok) expect(ack.error.code, JSON.stringify(payload)).toBe(code);
    }
  });

  it('switches everyone, carries the angle in a late joiner snapshot, and clears it when the angle leaves', async () => {
    const master = await people.join(lesson.id, 'master_teacher');
    const student = await people.join(lesson.id, 'student');
    const device = await people.join(lesson.id, 'classroom_device', { classroomId: room });

    const toStudent = next(student.socket, 'angle:directed');
    const toDevice = next(device.socket, 'angle:directed');
    expect(await ok(master.socket, 'angle:direct', { producerId: courseware.video.producerId })).toEqual({ producerId: courseware.video.producerId });
    const expected = { producerId: courseware.video.producerId, by: master.self.id };
    expect(await toStudent).toEqual(expected);
    expect(await toDevice).toEqual(expected);

    const late = await people.join(lesson.id, 'student');
    expect(late.snapshot['directedAngle']).toBe(courseware.video.producerId);

    // The master's own browser angle (a courseware screen share) can be directed too; closing it clears 导播.
    const transport = await ok<{ id: string }>(master.socket, 'media:createTransport', { direction: 'send' });
    const screen = await ok<{ producerId: string }>(master.socket, 'media:produce', {
      transportId: transport.id,
      kind: 'video',
      source: 'screen',
      label: '屏幕共享',
      rtpParameters: screenParams,
    });
    // Listen before asking: the push can reach the student before the master's ack returns.
    const toScreen = next(student.socket, 'angle:directed', (p) => p.producerId === screen.producerId);
    await ok(master.socket, 'angle:direct', { producerId: screen.producerId });
    expect(await toScreen).toEqual({ producerId: screen.producerId, by: master.self.id });

    const cleared = next(student.socket, 'angle:directed', (p) => p.producerId === null);
    await ok(master.socket, 'media:closeProducer', { producerId: screen.producerId });
    expect(await cleared).toEqual({ producerId: null, by: null });
    const after = await people.join(lesson.id, 'student');
    expect(after.snapshot['directedAngle']).toBeNull();

    // Directing nothing on purpose is allowed too.
    await ok(master.socket, 'angle:direct', { producerId: bench.video.producerId });
    const off = next(student.socket, 'angle:directed', (p) => p.producerId === null);
    await ok(master.socket, 'angle:direct', { producerId: null });
    expect(await off).toEqual({ producerId: null, by: master.self.id });
  });
});
