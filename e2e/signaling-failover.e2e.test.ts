import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueToken, Lesson } from '@dualclass/protocol';
import { startClusterStack, type ClusterStack } from '../infra/src/cluster-stack.ts';
import type { Stack } from '../infra/src/stack.ts';
import { launchChromium } from './support/browser.ts';
import { openAs } from './support/join.ts';
import { mediaStats, waitForMedia, waitForMediaFrom } from './support/media.ts';
import { TcpBalancer } from './support/tcp-balancer.ts';

/*
 * Real pages behind a load balancer in front of two signaling nodes. The studio's socket is on node A, which runs the
 * lesson; the classroom's is on node B. Node A is SIGKILLed mid-lesson: the studio page reconnects through the
 * balancer (to B), resumes its participant, and both pages find the lesson as it was — stage, hand, chat, the quiz
 * and its classroom answer — while media (on the SFU, untouched) keeps flowing.
 */

let cluster: ClusterStack;
let stack: Stack;
let balancer: TcpBalancer;
let browser: Browser;
let lesson: Lesson;
let classroomId: string;

beforeAll(async () => {
  cluster = await startClusterStack({ serveClient: true, sfuWorkers: 1, recorder: false });
  stack = cluster.stack;
  balancer = await TcpBalancer.start(stack.signalingNodes.map((n) => n.url));
  browser = await launchChromium();
  const admin = stack.signalingNodes[1]!.admin;
  lesson = await admin.createLesson({ title: '故障切换演示课' });
  classroomId = (await admin.createClassroom({ name: '石门小学 四(2)班' })).id;
  await admin.pairClassroom(lesson.id, classroomId);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await balancer?.stop();
  await cluster?.stop();
});

const snapshotOf = (page: Page) => page.evaluate(() => window.__classroom!.client.getSnapshot());
const resumes = (page: Page) => page.evaluate(() => performance.getEntriesByName('classroom:resumed').length);

/** Opens a page through the balancer while only `nodeUrl` is in rotation, so the test knows where its socket is. */
async function openOn(nodeUrl: string, phase: 'waiting' | 'live', role: IssueToken['role'], displayName: string, extra: Partial<IssueToken> = {}): Promise<Page> {
  balancer.route([nodeUrl]);
  const page = await openAs(browser, { admin: stack.signalingNodes[1]!.admin, baseUrl: balancer.url, lessonId: lesson.id }, role, displayName, { extra });
  await expect.poll(async () => (await snapshotOf(page)).phase, { timeout: 20_000 }).toBe(phase);
  return page;
}

describe('a signaling node killed under real pages', () => {
  it('the pages reconnect through the balancer to the other node and find the lesson intact; media never stops', async () => {
    const [a, b] = stack.signalingNodes;
    const ownedByA = a!.process.waitForLog((line) => (line.msg === 'lesson owned by this node' && line.lessonId === lesson.id ? true : undefined), 60_000);

    const studio = await openOn(a!.url, 'waiting', 'master_teacher', '陈老师');
    await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    const room = await openOn(b!.url, 'live', 'classroom_device', '石门小学 四(2)班', { classroomId });
    expect(await ownedByA).toBe(true);
    balancer.route(stack.signalingNodes.map((n) => n.url));

    await waitForMedia(room, (s) => s.framesDecoded > 30, 40_000);
    const roomId = (await snapshotOf(room)).self!.id;
    await waitForMediaFrom(studio, roomId, (s) => s.framesDecoded > 10, 30_000);

    // Invited first: bringing a classroom on stage answers (lowers) its hand, and the hand must survive on its own.
    await studio.evaluate((id) => window.__classroom!.client.invite(id), roomId);
    await room.evaluate(() => window.__classroom!.client.raiseHand());
    await studio.evaluate(() => window.__classroom!.client.sendChat('请打开课本第 12 页'));
    const quiz = await studio.evaluate(() =>
      window.__classroom!.client.launchQuiz({
        question: '12 ÷ 3 = ?',
        kind: 'single',
        options: [
          { id: 'A', text: '4' },
          { id: 'B', text: '3' },
        ],
        correct: ['A'],
        knowledgePoint: '除法',
        timeLimitSeconds: 120,
      }),
    );
    await expect.poll(async () => (await snapshotOf(room)).interaction.quiz?.id, { timeout: 10_000 }).toBe(quiz.id);
    await room.evaluate((id) => window.__classroom!.client.answerQuiz(id, ['A'], true), quiz.id);
    await expect.poll(async () => (await snapshotOf(room)).self?.onStage, { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000)); // the owner saves the lesson twice a second

    const studioResumesBefore = await resumes(studio);
    const framesBefore = (await mediaStats(room)).framesDecoded;
    const killedAt = Date.now();
    await a!.process.stop('SIGKILL');

    // The studio's socket was on A: it comes back through the balancer (now to B) and resumes its participant.
    await expect.poll(() => resumes(studio), { timeout: 30_000 }).toBeGreaterThan(studioResumesBefore);
    const studioResumedMs = Date.now() - killedAt;
    await expect.poll(async () => (await snapshotOf(studio)).phase, { timeout: 10_000 }).toBe('live');

    // The lesson as it was, seen from the studio (its snapshot comes from B, which took the lesson over).
    const seen = await snapshotOf(studio);
    const classroom = seen.participants.find((p) => p.id === roomId);
    expect(classroom?.onStage).toBe(true);
    expect(classroom?.handRaisedAt).not.toBeNull();
    expect(seen.interaction.chat.messages.map((m) => m.text)).toContain('请打开课本第 12 页');
    expect(seen.interaction.quiz?.id).toBe(quiz.id);
    await expect
      .poll(async () => (await snapshotOf(studio)).interaction.results?.perClassroom.find((c) => c.classroomId === classroomId)?.classroomAnswer ?? null, {
        timeout: 10_000,
      })
      .toEqual(['A']);

    // Media never went through signaling: the classroom kept decoding the studio, and the studio the classroom.
    const roomAfter = await waitForMedia(room, (s) => s.framesDecoded > framesBefore + 60, 20_000);
    const wallAfter = await waitForMediaFrom(studio, roomId, (s) => s.framesDecoded > 10, 20_000);
    expect((await snapshotOf(room)).phase).toBe('live');

    // The surviving node carries the lesson on: chat both ways, and the classroom lowers its own hand.
    await studio.evaluate(() => window.__classroom!.client.sendChat('我们继续'));
    await expect.poll(async () => (await snapshotOf(room)).interaction.chat.messages.map((m) => m.text), { timeout: 10_000 }).toContain('我们继续');
    await room.evaluate(() => window.__classroom!.client.lowerHand());
    await expect.poll(async () => (await snapshotOf(studio)).participants.find((p) => p.id === roomId)?.handRaisedAt ?? null, { timeout: 10_000 }).toBeNull();
    const recoveredMs = Date.now() - killedAt;

    console.log(
      'signaling node killed under pages:',
      JSON.stringify({ studioResumedMs, recoveredMs, classroomFrames: roomAfter.framesDecoded - framesBefore, studioWallFrames: wallAfter.framesDecoded }),
    );
  }, 180_000);
});
