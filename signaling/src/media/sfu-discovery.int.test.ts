import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lesson } from '@dualclass/protocol';
import { startRedisServer, type RedisServer } from '../../../infra/src/redis-server.ts';
import { startSfuProcess, startStack, type Stack } from '../../../infra/src/stack.ts';
import { videoParams } from '../testing/media-params.ts';
import { ok, TestParticipants } from '../testing/participants.ts';

/*
 * SFU nodes register themselves in Redis (URL and load) and signaling finds them there: a node started mid-lesson
 * takes new participants within seconds (fed by the cascade), and a draining one takes none.
 */

const SECRET = randomBytes(24).toString('base64url');
let redis: RedisServer;
let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;
const extra: { stop(signal?: NodeJS.Signals): Promise<void> }[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  stack = await startStack({ sfuWorkers: 1, recorder: false, env: { REDIS_URL: redis.url, SFU_DISCOVERY: 'redis', SFU_RPC_SECRET: SECRET } });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '动态节点' });
  await stack.admin.startLesson(lesson.id);
}, 120_000);

afterAll(async () => {
  people?.closeAll();
  for (const p of extra) await p.stop('SIGKILL');
  await stack?.stop();
  await redis?.stop();
});

describe('SFU node registry in Redis', () => {
  it('uses a node that registers mid-lesson and stops placing on one that drains', async () => {
    const master = await people.join(lesson.id, 'master_teacher');
    const send = await ok<{ id: string }>(master.socket, 'media:createTransport', { direction: 'send' });
    const { producerId } = await ok<{ producerId: string }>(master.socket, 'media:produce', {
      transportId: send.id,
      kind: 'video',
      source: 'camera',
      label: '教师特写',
      rtpParameters: videoParams(9_001),
    });

    const found = stack.signaling.waitForLog((line) => (line.msg === 'sfu node found in the registry' ? line : undefined), 15_000);
    const startedAt = Date.now();
    const second = await startSfuProcess({ workers: 1, env: { REDIS_URL: redis.url, SFU_RPC_SECRET: SECRET, SFU_DRAIN_SECONDS: '30' } });
    extra.push(second.process);
    const node = (await found).node as string;
    const foundMs = Date.now() - startedAt;

    // The new, empty node takes the next viewer; the master's camera is cascaded to it.
    const cascaded = stack.signaling.waitForLog((line) => (line.msg === 'producer cascaded' && line.to === node ? line : undefined), 15_000);
    const viewer = await people.join(lesson.id, 'student');
    const { rtpCapabilities } = await ok<{ rtpCapabilities: unknown }>(viewer.socket, 'media:getRouterRtpCapabilities');
    const recv = await ok<{ id: string }>(viewer.socket, 'media:createTransport', { direction: 'recv' });
    await ok(viewer.socket, 'media:consume', { transportId: recv.id, producerId, rtpCapabilities });
    expect((await cascaded).producerId).toBe(producerId);

    // Draining (SIGTERM): it keeps its viewer, and the next viewer goes back to the first node (no cascade to it).
    second.process.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2_500)); // the registry refresh and the signaling poll
    let cascadedAgain = false;
    void stack.signaling
      .waitForLog((line) => (line.msg === 'producer cascaded' && line.to === node ? (cascadedAgain = true) : undefined), 10_000)
      .catch(() => undefined);
    const late = await people.join(lesson.id, 'student');
    const lateRecv = await ok<{ id: string }>(late.socket, 'media:createTransport', { direction: 'recv' });
    await ok(late.socket, 'media:consume', { transportId: lateRecv.id, producerId, rtpCapabilities });
    await new Promise((r) => setTimeout(r, 500));
    expect(cascadedAgain).toBe(false);
    console.log('sfu registry:', JSON.stringify({ node, foundMs }));
  }, 90_000);
});
