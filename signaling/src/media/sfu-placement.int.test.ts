import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lesson } from '@dualclass/protocol';
import { startStack, type Stack } from '../../../infra/src/stack.ts';
import { ok, TestParticipants } from '../testing/participants.ts';

/* With several SFU nodes, one that is gone or draining gets no new participants: they are placed on another node. */

let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;

beforeAll(async () => {
  stack = await startStack({ sfuNodes: 2, sfuWorkers: 1, recorder: false });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '节点轮换' });
  await stack.admin.startLesson(lesson.id);
}, 120_000);

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('SFU placement', () => {
  it('places participants on the remaining node when one SFU node has drained away', async () => {
    const master = await people.join(lesson.id, 'master_teacher');
    await ok(master.socket, 'media:createTransport', { direction: 'send' }); // the studio's home node
    // The other node is taken out of service (SIGTERM: nothing to drain, so it exits at once).
    const leaving = stack.sfuNodes[1]!;
    await leaving.stop('SIGTERM');
    const replaced = stack.signaling.waitForLog((line) => (line.msg === 'SFU node refused the lesson; placing elsewhere' ? line : undefined), 10_000);
    const students = await Promise.all([people.join(lesson.id, 'student'), people.join(lesson.id, 'student')]);
    for (const s of students) {
      const transport = await ok<{ id: string }>(s.socket, 'media:createTransport', { direction: 'recv' });
      expect(transport.id).toBeTruthy();
    }
    expect((await replaced).node).toBe('sfu1');
  });
});
