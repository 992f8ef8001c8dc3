import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lesson } from '@dualclass/protocol';
import { startClusterStack, type ClusterStack } from '../../../infra/src/cluster-stack.ts';
import type { Stack } from '../../../infra/src/stack.ts';
import { ok, TestParticipants } from '../testing/participants.ts';

/*
 * The signaling node that started a lesson's recording dies; the node that takes the lesson over carries the
 * recording on, so the lesson's end still reaches the recorder and the library entry is settled (not left
 * "recording" forever).
 */

let cluster: ClusterStack;
let stack: Stack;
let lesson: Lesson;

beforeAll(async () => {
  cluster = await startClusterStack({ sfuWorkers: 1 });
  stack = cluster.stack;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** The lesson's library entry status, read through any live node. */
async function entryStatus(lessonId: string, nodeUrl: string): Promise<string | undefined> {
  const res = await fetch(new URL('/api/library/entries?q=%E5%BD%95%E8%AF%BE%E6%8E%A5%E7%AE%A1', nodeUrl), { headers: { authorization: `Bearer ${stack.adminApiKey}` } });
  const body = (await res.json()) as { items: { lessonId: string | null; status: string }[] };
  return body.items.find((e) => e.lessonId === lessonId)?.status;
}

describe('recording across a signaling takeover', () => {
  it('the new owner finishes the recording the dead owner started', async () => {
    const [a, b] = stack.signalingNodes;
    lesson = await a!.admin.createLesson({ title: '录课接管' });
    const recordingStarted = stack.recorder!.waitForLog((line) => (line.msg === 'recording started' && line.lessonId === lesson.id ? true : undefined), 30_000);
    await a!.admin.startLesson(lesson.id); // runs on A, which now owns the lesson and starts its recording
    await recordingStarted;
    // Signaling creates the library entry once the recorder has answered, a moment after the recorder logs the start.
    await expect.poll(() => entryStatus(lesson.id, b!.url), { timeout: 5_000 }).toBe('recording');

    const onB = new TestParticipants(b!);
    const master = await onB.join(lesson.id, 'master_teacher');
    const adopted = b!.process.waitForLog((line) => (line.msg === 'recording adopted from the previous lesson owner' ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 1_000)); // the owner saves live state twice a second
    await a!.process.stop('SIGKILL');
    await ok(master.socket, 'chat:send', { text: '继续录课', kind: 'chat' }); // B takes the lesson over
    await adopted;

    await ok(master.socket, 'lesson:end');
    const deadline = Date.now() + 60_000;
    let status = await entryStatus(lesson.id, b!.url);
    while ((status === 'recording' || status === 'processing') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      status = await entryStatus(lesson.id, b!.url);
    }
    console.log('library entry after the takeover and lesson end:', status);
    expect(status === 'recording' || status === 'processing').toBe(false);
    onB.closeAll();
  }, 120_000);
});
