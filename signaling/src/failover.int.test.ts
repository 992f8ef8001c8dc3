import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Lesson, Participant } from '@dualclass/protocol';
import type { RedisServer } from '../../infra/src/redis-server.ts';
import { startClusterStack, type ClusterStack } from '../../infra/src/cluster-stack.ts';
import type { Stack } from '../../infra/src/stack.ts';
import { videoParams } from './testing/media-params.ts';
import { next, ok, TestParticipants, type ClientSocket } from './testing/participants.ts';

/*
 * A signaling node dies mid-lesson (SIGKILL) while it runs the lesson's live state. The other node takes the lesson
 * over on the next request, from the state the dead node saved in Redis: stage, hands, chat, quiz answers and the
 * classroom's media (its producer at the SFU) are all there; sockets on the surviving node carry on without
 * rejoining, and a socket of the dead node resumes its participant on the survivor.
 */

let cluster: ClusterStack;
let redis: RedisServer;
let stack: Stack;
let lesson: Lesson;
let classroomId: string;
let onA: TestParticipants;
let onB: TestParticipants;

type JoinData = { self: Participant; resumeKey: string; resumed: unknown; participants: Participant[]; publications: { producerId: string }[]; stage: { members: string[] }; chat: { recent: { text: string }[] } };

beforeAll(async () => {
  cluster = await startClusterStack({ sfuWorkers: 1, recorder: false });
  ({ stack, redis } = cluster);
  const [a, b] = stack.signalingNodes;
  onA = new TestParticipants(a!);
  onB = new TestParticipants(b!);
  lesson = await a!.admin.createLesson({ title: '节点故障' });
  classroomId = (await a!.admin.createClassroom({ name: '南坪小学 二(1)班' })).id;
  await a!.admin.pairClassroom(lesson.id, classroomId);
  await a!.admin.startLesson(lesson.id);
}, 120_000);

afterAll(async () => {
  onA?.closeAll();
  onB?.closeAll();
  await cluster?.stop();
});

describe('a signaling node killed mid-lesson', () => {
  it('another node takes the lesson over with its state intact', async () => {
    // The observer's join on A makes A the lesson's owner; the master and the classroom are on B (forwarded to A).
    const observer = await onA.join(lesson.id, 'observer');
    const master = await onB.join(lesson.id, 'master_teacher');
    const deviceToken = await onB.token(lesson.id, 'classroom_device', { classroomId });
    const device: ClientSocket = await onB.connected(deviceToken);
    const deviceJoin = await ok<JoinData>(device, 'lesson:join');
    const studentToken = await onA.token(lesson.id, 'student');
    const student = await onA.connected(studentToken);
    const studentJoin = await ok<JoinData>(student, 'lesson:join');

    const transport = await ok<{ id: string }>(device, 'media:createTransport', { direction: 'send' });
    const { producerId } = await ok<{ producerId: string }>(device, 'media:produce', {
      transportId: transport.id,
      kind: 'video',
      source: 'camera',
      label: '教室画面',
      rtpParameters: videoParams(7_001),
    });
    await ok(master.socket, 'stage:invite', { participantId: deviceJoin.self.id });
    await ok(device, 'hand:raise');
    await ok(student, 'hand:raise');
    await ok(master.socket, 'chat:send', { text: '请看黑板', kind: 'chat' });
    const quiz = await ok<{ id: string }>(master.socket, 'quiz:launch', {
      question: '2 + 3 = ?',
      kind: 'single',
      options: [
        { id: 'A', text: '5' },
        { id: 'B', text: '6' },
      ],
      correct: ['A'],
      knowledgePoint: '加法',
      timeLimitSeconds: 8,
    });
    const launchedAt = Date.now();
    const closedAt: number[] = [];
    master.socket.on('quiz:closed', ({ quizId }) => {
      if (quizId === quiz.id) closedAt.push(Date.now());
    });
    await ok(device, 'quiz:answer', { quizId: quiz.id, choice: ['A'], forClassroom: true });
    await new Promise((r) => setTimeout(r, 1_000)); // the owner saves twice a second

    const killedAt = Date.now();
    await stack.signalingNodes[0]!.process.stop('SIGKILL');

    // The master, on B, carries on: its first request makes B take the lesson over from what A saved.
    const results = await ok<{ perClassroom: { classroomId: string; classroomAnswer: string[] | null }[] }>(master.socket, 'quiz:results', { quizId: quiz.id });
    const takeoverMs = Date.now() - killedAt;
    expect(results.perClassroom.find((c) => c.classroomId === classroomId)?.classroomAnswer).toEqual(['A']);

    // The classroom, on B, still speaks for its participant (no rejoin) and is still on stage with its hand up.
    const lowered = await ok<Participant>(device, 'hand:lower');
    expect(lowered.onStage).toBe(true);
    await ok(device, 'hand:raise');

    // The student's socket was on A: it comes back on B and resumes, hand still up.
    await new Promise<void>((resolve) => (student.connected ? student.once('disconnect', () => resolve()) : resolve()));
    const studentAgain = await onB.connected(studentToken);
    const resumed = await ok<JoinData>(studentAgain, 'lesson:join', { resume: { key: studentJoin.resumeKey } });
    expect(resumed.resumed).not.toBeNull();
    expect(resumed.self.id).toBe(studentJoin.self.id);
    expect(resumed.self.handRaisedAt).not.toBeNull();

    // A newcomer on B sees the lesson as it was: stage, hands, chat, the classroom's camera.
    const late = await onB.join(lesson.id, 'observer');
    const snap = late.snapshot as unknown as JoinData;
    const device2 = snap.participants.find((p) => p.id === deviceJoin.self.id);
    expect(snap.stage.members).toEqual([deviceJoin.self.id]);
    expect(device2?.handRaisedAt).not.toBeNull();
    expect(snap.chat.recent.map((m) => m.text)).toContain('请看黑板');
    expect(snap.publications.map((p) => p.producerId)).toContain(producerId);
    // The observer that was on A never came back: it is shown as reconnecting until its grace runs out.
    expect(snap.participants.find((p) => p.id === observer.self.id)?.connection).toBe('reconnecting');

    // B owns the lesson now and pushes go out from it.
    const pushed = next(late.socket, 'chat:message', (m) => m.text === '接着上课');
    await ok(master.socket, 'chat:send', { text: '接着上课', kind: 'chat' });
    await pushed;
    // The quiz's time limit ran out after the takeover: the new owner closed it on time.
    await expect.poll(() => closedAt.length, { timeout: 12_000 }).toBe(1);
    expect(closedAt[0]! - launchedAt).toBeGreaterThanOrEqual(7_500);
    expect(closedAt[0]!).toBeGreaterThan(killedAt);
    console.log('signaling node failover:', JSON.stringify({ takeoverMs, participantsRestored: snap.participants.length }));
    survivors = { master: master.socket, deviceId: deviceJoin.self.id };
  }, 120_000);

  it('Redis restarting empty: the owner keeps the lesson, saves it again, and requests work once Redis is back', async () => {
    const { master, deviceId } = survivors!;
    const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await redis.restart(); // no persistence: every key is gone
      await probe.connect();
      expect(await probe.get(`dualclass:lesson:${lesson.id}:owner`)).toBeNull();
      const restartedAt = Date.now();
      // The owner renews its lease (re-creating it) and saves the lesson again within a few seconds.
      for (;;) {
        const [owner, saved] = await Promise.all([probe.get(`dualclass:lesson:${lesson.id}:owner`), probe.get(`dualclass:lesson:${lesson.id}:live`)]);
        if (owner && saved) break;
        if (Date.now() - restartedAt > 10_000) throw new Error(`not resynced: owner ${owner}, saved ${saved !== null}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const resyncMs = Date.now() - restartedAt;
      const stage = await ok<{ members: string[] }>(master, 'stage:remove', { participantId: deviceId });
      expect(stage.members).toEqual([]);
      console.log('redis restart:', JSON.stringify({ resyncMs }));
    } finally {
      probe.disconnect();
    }
  }, 60_000);
});

let survivors: { master: ClientSocket; deviceId: string } | undefined;
