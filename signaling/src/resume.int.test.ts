import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lesson, Participant } from '@dualclass/protocol';
import { startStack, type Stack } from '../../infra/src/stack.ts';
import { collect, next, ok, request, TestParticipants, type ClientSocket } from './testing/participants.ts';
import { videoParams } from './testing/media-params.ts';

/*
 * A dropped connection is not a departure: the participant is kept (stage, hand, media at the SFU) for a grace
 * period, and the same client takes it over again with the resume key from its last join.
 */

let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
let classroomId: string;

type JoinData = { self: Participant; resumeKey: string; resumed: { consumerIds: string[]; producerIds: string[] } | null; stage: { members: string[] } };

/** Like a Wi-Fi drop: the connection closes under the client without a goodbye, so the server sees `transport close`. */
function dropConnection(socket: ClientSocket): void {
  socket.io.engine.close();
}

const quiet = (ms = 300) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1, env: { RESUME_GRACE_SECONDS: '2' } });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '断线重连' });
  classroomId = (await stack.admin.createClassroom({ name: '石门小学 五(1)班' })).id;
  await stack.admin.pairClassroom(lesson.id, classroomId);
  await stack.admin.startLesson(lesson.id);
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

/** A classroom device on stage, publishing a camera, receiving nothing yet; the master watching. */
async function classroomOnStage() {
  const master = await people.join(lesson.id, 'master_teacher');
  const token = await people.token(lesson.id, 'classroom_device', { classroomId });
  const socket = await people.connected(token);
  const joined = await ok<JoinData>(socket, 'lesson:join');
  expect(joined.resumed).toBeNull();
  expect(joined.resumeKey.length).toBeGreaterThanOrEqual(16);
  const transport = await ok<{ id: string }>(socket, 'media:createTransport', { direction: 'send' });
  const { producerId } = await ok<{ producerId: string }>(socket, 'media:produce', {
    transportId: transport.id,
    kind: 'video',
    source: 'camera',
    label: '教室画面',
    rtpParameters: videoParams(4242),
  });
  await ok(master.socket, 'stage:invite', { participantId: joined.self.id });
  return { master, token, socket, joined, producerId };
}

describe('resuming after a dropped connection', () => {
  it('keeps the participant reconnecting, then resumes it with stage, hand and media intact', async () => {
    const { master, token, socket, joined, producerId } = await classroomOnStage();
    const id = joined.self.id;
    const left = collect(master.socket, 'participant:left');
    const removed = collect(master.socket, 'media:publicationRemoved');

    const reconnecting = next(master.socket, 'participant:updated', (p) => p.id === id && p.connection === 'reconnecting');
    dropConnection(socket);
    await reconnecting;

    const again = await people.connected(token);
    const back = next(master.socket, 'participant:updated', (p) => p.id === id && p.connection === 'connected');
    const resumed = await ok<JoinData>(again, 'lesson:join', { resume: { key: joined.resumeKey } });
    await back;
    expect(resumed.self.id).toBe(id);
    expect(resumed.self.onStage).toBe(true);
    expect(resumed.stage.members).toContain(id);
    expect(resumed.resumed).toEqual({ consumerIds: [], producerIds: [producerId] });
    expect(resumed.resumeKey).toBe(joined.resumeKey);
    await quiet();
    expect(left).toEqual([]);
    expect(removed).toEqual([]);

    // The resumed socket speaks for the participant: it can lower a hand it raises.
    await ok(again, 'hand:raise');
    expect((await ok<Participant>(again, 'hand:lower')).handRaisedAt).toBeNull();
  });

  it('a wrong key joins afresh and replaces the old participant, which leaves the stage', async () => {
    const { master, token, socket, joined } = await classroomOnStage();
    dropConnection(socket);
    await next(master.socket, 'participant:updated', (p) => p.id === joined.self.id && p.connection === 'reconnecting');
    const again = await people.connected(token);
    const leaving = next(master.socket, 'participant:left', (p) => p.participantId === joined.self.id);
    const fresh = await ok<JoinData>(again, 'lesson:join', { resume: { key: 'x'.repeat(32) } });
    await leaving;
    expect(fresh.resumed).toBeNull();
    expect(fresh.self.onStage).toBe(false);
    expect(fresh.resumeKey).not.toBe(joined.resumeKey);
  });

  it('leaves once the grace period passes without a resume', async () => {
    const { master, token, socket, joined } = await classroomOnStage();
    const stageChanges = collect(master.socket, 'stage:state');
    const started = Date.now();
    dropConnection(socket);
    await next(master.socket, 'participant:left', (p) => p.participantId === joined.self.id, 6_000);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_900);
    await quiet();
    expect(stageChanges.at(-1)?.members).not.toContain(joined.self.id);
    const late = await people.connected(token);
    const fresh = await ok<JoinData>(late, 'lesson:join', { resume: { key: joined.resumeKey } });
    expect(fresh.resumed).toBeNull();
    expect(fresh.self.onStage).toBe(false);
  });

  it('a page that says goodbye leaves at once', async () => {
    const { master, socket, joined } = await classroomOnStage();
    const leaving = next(master.socket, 'participant:left', (p) => p.participantId === joined.self.id, 1_000);
    socket.disconnect();
    await leaving;
  });

  it('a full rejoin on the same socket drops its media at the server but keeps stage and hand', async () => {
    const { master, socket, joined, producerId } = await classroomOnStage();
    await ok(socket, 'hand:raise');
    const removed = next(master.socket, 'media:publicationRemoved', (p) => p.producerId === producerId);
    // A second plain join on a joined socket is still refused.
    const twice = await request(socket, 'lesson:join', {});
    expect(twice.ok === false && twice.error.code).toBe('CONFLICT');
    const rejoined = await ok<JoinData>(socket, 'lesson:join', { resume: { key: joined.resumeKey, restartMedia: true } });
    await removed;
    expect(rejoined.resumed).toBeNull();
    expect(rejoined.self.onStage).toBe(true);
    expect(rejoined.self.handRaisedAt).not.toBeNull();
    // New transports work for the same participant.
    const transport = await ok<{ id: string }>(socket, 'media:createTransport', { direction: 'send' });
    const republished = await request(socket, 'media:produce', { transportId: transport.id, kind: 'video', source: 'camera', label: '教室画面', rtpParameters: videoParams(4343) });
    expect(republished.ok).toBe(true);
  });

  it('a resume from a new socket while the old one still looks connected detaches the old one', async () => {
    const { token, socket, joined } = await classroomOnStage();
    const oldGone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const again = await people.connected(token);
    const resumed = await ok<JoinData>(again, 'lesson:join', { resume: { key: joined.resumeKey } });
    expect(resumed.resumed).not.toBeNull();
    expect(await oldGone).toBe('io server disconnect');
    // The old socket's departure did not end the participant.
    await ok(again, 'hand:raise');
  });
});

describe('ICE restart', () => {
  it('gives fresh ICE credentials for one\'s own transport, refuses others\' transports and is rate-limited', async () => {
    const viewer = await people.join(lesson.id, 'student');
    const other = await people.join(lesson.id, 'student');
    const transport = await ok<{ id: string; iceParameters: { usernameFragment: string; password: string } }>(viewer.socket, 'media:createTransport', { direction: 'recv' });
    const restarted = await ok<{ iceParameters: { usernameFragment: string; password: string } }>(viewer.socket, 'media:restartIce', { transportId: transport.id });
    expect(restarted.iceParameters.usernameFragment).not.toBe(transport.iceParameters.usernameFragment);
    expect(restarted.iceParameters.password).not.toBe(transport.iceParameters.password);

    const stolen = await request(other.socket, 'media:restartIce', { transportId: transport.id });
    expect(stolen.ok === false && stolen.error.code).toBe('NOT_FOUND');

    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ack = await request(viewer.socket, 'media:restartIce', { transportId: transport.id });
      codes.push(ack.ok ? 'ok' : ack.error.code);
    }
    expect(codes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
    const limited = await request(viewer.socket, 'media:restartIce', { transportId: transport.id });
    expect(limited.ok === false && limited.error.retryAfter).toBeGreaterThanOrEqual(1);
  });
});
