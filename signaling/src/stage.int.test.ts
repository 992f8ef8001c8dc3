import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lesson, Publication, StageState, TimelineEvent } from '@dualclass/protocol';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import { collect, next, ok, request, TestParticipants, type ClientSocket } from './testing/participants.ts';
import { audioParams, videoParams } from './testing/media-params.ts';

let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let roomA: string;
let roomB: string;


/** Publishes camera and mic from a socket as a browser would (the SFU accepts producers before DTLS connects). */
async function publishCameraAndMic(socket: ClientSocket, ssrc: number) {
  const transport = await ok<{ id: string }>(socket, 'media:createTransport', { direction: 'send' });
  const video = await request(socket, 'media:produce', { transportId: transport.id, kind: 'video', source: 'camera', label: '教室画面', rtpParameters: videoParams(ssrc) });
  const audio = await request(socket, 'media:produce', { transportId: transport.id, kind: 'audio', source: 'microphone', label: '教室麦克风', rtpParameters: audioParams(ssrc + 1) });
  return { video, audio };
}

async function recvTransport(socket: ClientSocket) {
  const { rtpCapabilities } = await ok<{ rtpCapabilities: unknown }>(socket, 'media:getRouterRtpCapabilities');
  const transport = await ok<{ id: string }>(socket, 'media:createTransport', { direction: 'recv' });
  return { rtpCapabilities, transportId: transport.id };
}

const quiet = (ms = 300) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1, env: { STAGE_LIMIT: '2' } });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '连麦课' });
  roomA = (await stack.admin.createClassroom({ name: '青山二中 九(2)班' })).id;
  roomB = (await stack.admin.createClassroom({ name: '河口中心校 九(1)班' })).id;
  await stack.admin.pairClassroom(lesson.id, roomA);
  await stack.admin.pairClassroom(lesson.id, roomB);
  await stack.admin.startLesson(lesson.id);
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('classroom wall, hands, stage and hard mute', () => {
  it('keeps a classroom on the wall until it is invited, then lets every room see and hear it', async () => {
    const master = await people.join(lesson.id, 'master_teacher');
    const deviceA = await people.join(lesson.id, 'classroom_device', { classroomId: roomA });
    const deviceB = await people.join(lesson.id, 'classroom_device', { classroomId: roomB });
    const student = await people.join(lesson.id, 'student', { classroomId: roomB });
    const teacherA = await people.join(lesson.id, 'local_teacher', { classroomId: roomA });
    const teacherB = await people.join(lesson.id, 'local_teacher', { classroomId: roomB });
    const studentSawPublications = collect(student.socket, 'media:publicationAdded');
    const studentSawHealth = collect(student.socket, 'participant:health');

    // The room device publishes; the wall (master) sees it as staff-only, the mic closed.
    const masterSawMic = next(master.socket, 'media:publicationAdded', (p) => p.kind === 'audio');
    const a = await publishCameraAndMic(deviceA.socket, 5000);
    expect(a.video).toMatchObject({ ok: true });
    const videoId = (a.video as { data: { producerId: string } }).data.producerId;
    const micId = (a.audio as { data: { producerId: string } }).data.producerId;
    expect(await masterSawMic).toMatchObject({ producerId: micId, audience: 'staff', paused: true, hardMuted: false });

    // Health reports feed the wall only.
    const health = next(master.socket, 'participant:health');
    await ok(deviceA.socket, 'health:report', { state: 'connected', sendBitrateKbps: 420, recvBitrateKbps: 1500, lossPct: 0.5, rttMs: 38, audioLevel: 0.2 });
    expect(await health).toMatchObject({ participantId: deviceA.self.id, rttMs: 38 });

    // Other rooms cannot receive an off-stage classroom, nor can it open its own mic.
    const studentRecv = await recvTransport(student.socket);
    expect(await request(student.socket, 'media:consume', { ...studentRecv, producerId: videoId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(deviceA.socket, 'media:setPaused', { producerId: micId, paused: false })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    const masterRecv = await recvTransport(master.socket);
    const wallThumb = await ok<{ consumerId: string }>(master.socket, 'media:consume', { ...masterRecv, producerId: videoId });
    // A wall tile paged out of view is paused at the SFU; only its owner can touch that consumer.
    expect(await request(master.socket, 'media:setConsumerPaused', { consumerId: wallThumb.consumerId, paused: true })).toMatchObject({ ok: true });
    expect(await request(student.socket, 'media:setConsumerPaused', { consumerId: wallThumb.consumerId, paused: false })).toMatchObject({
      ok: false, error: { code: 'NOT_FOUND' },
    });
    expect(await request(master.socket, 'media:setConsumerPaused', { consumerId: wallThumb.consumerId, paused: false })).toMatchObject({ ok: true });

    // A local teacher raises the room's hand; students cannot run the stage.
    const handUp = next(master.socket, 'participant:updated', (p) => p.id === deviceA.self.id);
    expect(await ok(teacherA.socket, 'hand:raise')).toMatchObject({ id: deviceA.self.id });
    expect((await handUp).handRaisedAt).not.toBeNull();
    for (const name of ['stage:invite', 'stage:remove']) {
      expect(await request(student.socket, name, { participantId: deviceA.self.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }

    // On stage: everyone else is told, can consume, and the room mic opens.
    const studentGetsVideo = next(student.socket, 'media:publicationAdded', (p) => p.producerId === videoId);
    const micOpens = next(master.socket, 'media:publicationUpdated', (p) => p.producerId === micId && !p.paused);
    const stage = await ok<StageState>(master.socket, 'stage:invite', { participantId: deviceA.self.id });
    expect(stage).toEqual({ limit: 2, members: [deviceA.self.id] });
    expect(await studentGetsVideo).toMatchObject({ audience: 'all' });
    expect(await micOpens).toMatchObject({ audience: 'all', paused: false });
    const consumer = await ok<{ consumerId: string }>(student.socket, 'media:consume', { ...studentRecv, producerId: videoId });
    const deviceBRecv = await recvTransport(deviceB.socket);
    expect(await request(deviceB.socket, 'media:consume', { ...deviceBRecv, producerId: micId })).toMatchObject({ ok: true });

    // Hard mute: only teachers, a local teacher only for their own room, and the room cannot undo it.
    expect(await request(teacherB.socket, 'participant:mute', { participantId: deviceA.self.id, kind: 'audio', muted: true })).toMatchObject({
      ok: false, error: { code: 'FORBIDDEN' },
    });
    expect(await request(student.socket, 'participant:mute', { participantId: deviceA.self.id, kind: 'audio', muted: true })).toMatchObject({
      ok: false, error: { code: 'FORBIDDEN' },
    });
    const muted = await ok<{ publications: Publication[] }>(master.socket, 'participant:mute', { participantId: deviceA.self.id, kind: 'audio', muted: true });
    expect(muted.publications).toEqual([expect.objectContaining({ producerId: micId, hardMuted: true, paused: true })]);
    expect(await request(deviceA.socket, 'media:setPaused', { producerId: micId, paused: false })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const unmuted = await ok<{ publications: Publication[] }>(teacherA.socket, 'participant:mute', { participantId: deviceA.self.id, kind: 'audio', muted: false });
    expect(unmuted.publications).toEqual([expect.objectContaining({ hardMuted: false, paused: false })]);

    // Off stage: the student's consumer is closed and the publication withdrawn; the room mic closes again.
    const consumerClosed = next(student.socket, 'media:consumerClosed');
    const withdrawn = next(student.socket, 'media:publicationRemoved', (p) => p.producerId === videoId);
    const micCloses = next(master.socket, 'media:publicationUpdated', (p) => p.producerId === micId && p.paused);
    expect(await ok<StageState>(master.socket, 'stage:remove', { participantId: deviceA.self.id })).toMatchObject({ members: [] });
    expect((await consumerClosed).consumerId).toBe(consumer.consumerId);
    await withdrawn;
    expect(await micCloses).toMatchObject({ audience: 'staff' });
    expect(await request(student.socket, 'media:consume', { ...studentRecv, producerId: videoId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    await quiet();
    expect(studentSawHealth).toEqual([]);
    expect(studentSawPublications.map((p) => p.producerId)).toEqual([videoId, micId]);

    const timeline = await ok<TimelineEvent[]>(master.socket, 'timeline:list');
    expect(timeline.map((e) => e.type)).toEqual(['lesson_start', 'hand_raise', 'stage_on', 'mute', 'unmute', 'stage_off']);
    expect(timeline.find((e) => e.type === 'stage_on')).toMatchObject({ actorId: master.self.id, subjectId: deviceA.self.id });
    expect(await request(student.socket, 'timeline:list', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('lets a student publish only on stage, enforces the stage limit, and ends stage tracks on removal', async () => {
    const master = await people.join(lesson.id, 'master_teacher');
    const student = await people.join(lesson.id, 'student', { classroomId: roomA });
    const other = await people.join(lesson.id, 'student', { classroomId: roomB });
    const third = await people.join(lesson.id, 'student');

    const before = await publishCameraAndMic(student.socket, 7000);
    expect(before.video).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await ok(student.socket, 'hand:raise')).toMatchObject({ handRaisedAt: expect.any(String) });
    // A student cannot lower someone else's hand.
    expect(await request(other.socket, 'hand:lower', { participantId: student.self.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    await ok(master.socket, 'stage:invite', { participantId: student.self.id });
    await ok(master.socket, 'stage:invite', { participantId: other.self.id });
    expect(await request(master.socket, 'stage:invite', { participantId: third.self.id })).toMatchObject({
      ok: false, error: { code: 'CONFLICT', message: 'the stage is full (2)' },
    });
    expect(await request(master.socket, 'stage:invite', { participantId: master.self.id })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    const onStage = await publishCameraAndMic(student.socket, 7100);
    expect(onStage.video).toMatchObject({ ok: true });
    const videoId = (onStage.video as { data: { producerId: string } }).data.producerId;
    const gone = next(third.socket, 'media:publicationRemoved', (p) => p.producerId === videoId);
    await ok(master.socket, 'stage:remove', { participantId: student.self.id });
    await gone;

    // Leaving frees the seat.
    const freed = next(master.socket, 'stage:state', (s) => !s.members.includes(other.self.id));
    other.socket.disconnect();
    expect((await freed).members).toEqual([]);
  });
});
