import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, Lesson } from '@dualclass/protocol';
import type { RedisServer } from '../../infra/src/redis-server.ts';
import { startClusterStack, type ClusterStack } from '../../infra/src/cluster-stack.ts';
import type { Stack } from '../../infra/src/stack.ts';
import { next, ok, request, TestParticipants } from './testing/participants.ts';

// Two signaling processes on one SFU, one Postgres (lessons) and one real redis-server (REDIS_URL), participants of
// one lesson connected to different nodes: pushes reach the other node's sockets through socket.io's Redis adapter,
// and the chat record both nodes read lives in Redis.
let cluster: ClusterStack;
let redis: RedisServer;
let stack: Stack;
let nodeA: Stack['signalingNodes'][number];
let nodeB: Stack['signalingNodes'][number];
let onA: TestParticipants;
let onB: TestParticipants;
let lesson: Lesson;

beforeAll(async () => {
  cluster = await startClusterStack({ sfuWorkers: 1, recorder: false });
  ({ stack, redis } = cluster);
  [nodeA, nodeB] = stack.signalingNodes as [typeof nodeA, typeof nodeB];
  onA = new TestParticipants(nodeA);
  onB = new TestParticipants(nodeB);
  lesson = await nodeA.admin.createLesson({ title: '电磁感应' });
  await nodeA.admin.startLesson(lesson.id);
});

afterAll(async () => {
  onA?.closeAll();
  onB?.closeAll();
  await cluster?.stop();
});

describe('two signaling nodes sharing Redis', () => {
  it('delivers a chat message sent on one node to participants connected to the other, both ways', async () => {
    const master = await onA.join(lesson.id, 'master_teacher');
    const student = await onB.join(lesson.id, 'student');

    const onStudent = next(student.socket, 'chat:message', (m) => m.text === '同学们好');
    const sent = await ok<ChatMessage>(master.socket, 'chat:send', { text: '同学们好' });
    expect(await onStudent).toEqual(sent);

    const onMaster = next(master.socket, 'chat:message', (m) => m.text === '老师，我听懂了');
    const asked = await ok<ChatMessage>(student.socket, 'chat:send', { text: '老师，我听懂了', kind: 'question' });
    expect(await onMaster).toEqual(asked);

    // The record is shared too: a participant joining on either node gets the same recent chat.
    const lateOnA = await onA.join(lesson.id, 'observer');
    const lateOnB = await onB.join(lesson.id, 'observer');
    for (const late of [lateOnA, lateOnB]) expect(late.snapshot.chat).toMatchObject({ enabled: true, recent: [sent, asked] });
  });

  it('counts one user’s requests on both nodes against one budget', async () => {
    // 50 requests per second per join token: 40 on each node would all pass if each node counted alone
    // (a slow machine may straddle a window, so only "some were refused" is asserted).
    const token = await onA.token(lesson.id, 'student');
    const sockets = [await onA.connected(token), await onB.connected(token)];
    const acks = await Promise.all(sockets.flatMap((socket) => Array.from({ length: 40 }, () => request(socket, 'no:such-event'))));
    const limited = acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThan(0);
  });

  it('picks up after Redis restarts: shared writes succeed and cross-node pushes flow again', async () => {
    const master = await onA.join(lesson.id, 'master_teacher');
    const student = await onB.join(lesson.id, 'student');
    await redis.down();
    expect(await request(master.socket, 'chat:setEnabled', { enabled: false })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    await redis.up();

    // Each node reconnects within its backoff (about 2 s at most); then a write on A is pushed to B's socket.
    const deadline = Date.now() + 10_000;
    let delivered = false;
    let enabled = true;
    while (!delivered && Date.now() < deadline) {
      enabled = !enabled;
      const pushed = next(student.socket, 'chat:state', (s) => s.enabled === enabled, 500).then(() => true, () => false);
      const ack = await request(master.socket, 'chat:setEnabled', { enabled });
      delivered = (await pushed) && ack.ok;
    }
    expect(delivered).toBe(true);
    expect(stack.signalingNodes.map((n) => n.process.child.exitCode)).toEqual([null, null]);
  });
});
