import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueToken, Lesson } from '@dualclass/protocol';
import { startClusterStack, type ClusterStack } from '../infra/src/cluster-stack.ts';
import type { Stack } from '../infra/src/stack.ts';
import { launchChromium } from './support/browser.ts';
import { openAs } from './support/join.ts';
import { waitForMedia, waitForMediaFrom } from './support/media.ts';

/*
 * The district set-up on one machine: two signaling nodes sharing Postgres and Redis, two SFU nodes. The studio
 * opens its page on signaling node A, the classroom on node B; the lesson's live state runs on one of them and the
 * other forwards, the classroom's media is placed on the other SFU node and the master's video reaches it through
 * the cascade. Stage, hands and chat work across the nodes.
 */

let cluster: ClusterStack;
let stack: Stack;
let browser: Browser;
let lesson: Lesson;
let classroomId: string;

beforeAll(async () => {
  cluster = await startClusterStack({ serveClient: true, sfuNodes: 2, sfuWorkers: 1, recorder: false });
  stack = cluster.stack;
  browser = await launchChromium();
  const [a] = stack.signalingNodes;
  lesson = await a!.admin.createLesson({ title: '区域联播课' });
  classroomId = (await a!.admin.createClassroom({ name: '西岭小学 五(3)班' })).id;
  await a!.admin.pairClassroom(lesson.id, classroomId);
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

const open = (nodeUrl: string, role: IssueToken['role'], displayName: string, extra: Partial<IssueToken> = {}): Promise<Page> =>
  openAs(browser, { admin: stack.signalingNodes[0]!.admin, baseUrl: nodeUrl, lessonId: lesson.id }, role, displayName, { extra });

const snapshotOf = (page: Page) => page.evaluate(() => window.__classroom!.client.getSnapshot());

describe('two signaling nodes and two SFU nodes', () => {
  it('a studio on node A and a classroom on node B share one lesson: video through the cascade, stage, hand and chat across nodes', async () => {
    const [a, b] = stack.signalingNodes;
    const cascaded = a!.process.waitForLog((line) => (line.msg === 'producer cascaded' ? line : undefined), 60_000).catch(() => undefined);
    const cascadedB = b!.process.waitForLog((line) => (line.msg === 'producer cascaded' ? line : undefined), 60_000).catch(() => undefined);
    // Which node runs the lesson's live state: the first to be asked (the studio's, on A); B only forwards.
    const owners = new Set<string>();
    for (const [name, node] of [['A', a!], ['B', b!]] as const) {
      void node.process
        .waitForLog((line) => {
          if (line.msg === 'lesson owned by this node' && line.lessonId === lesson.id) owners.add(name);
          return undefined;
        }, 120_000)
        .catch(() => undefined);
    }

    const studio = await open(a!.url, 'master_teacher', '周老师');
    await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    const room = await open(b!.url, 'classroom_device', '西岭小学 五(3)班', { classroomId });

    const received = await waitForMedia(room, (s) => s.framesDecoded > 30 && s.videoWidth > 0 && s.audioPacketsReceived > 50, 40_000);
    const roomId = (await snapshotOf(room)).self!.id;
    const cascade = await Promise.race([cascaded, cascadedB]);
    expect(cascade).toBeDefined();

    // The studio (node A) sees the classroom (node B) and its wall camera.
    await expect.poll(async () => (await snapshotOf(studio)).participants.some((p) => p.id === roomId), { timeout: 10_000 }).toBe(true);
    const wall = await waitForMediaFrom(studio, roomId, (s) => s.framesDecoded > 10, 30_000);

    // Hand from B reaches A; stage from A reaches B; chat both ways.
    await room.evaluate(() => window.__classroom!.client.raiseHand());
    await expect.poll(async () => (await snapshotOf(studio)).participants.find((p) => p.id === roomId)?.handRaisedAt ?? null, { timeout: 10_000 }).not.toBeNull();
    await studio.evaluate((id) => window.__classroom!.client.invite(id), roomId);
    await expect.poll(async () => (await snapshotOf(room)).self?.onStage, { timeout: 10_000 }).toBe(true);
    await studio.evaluate(() => window.__classroom!.client.sendChat('同学们好'));
    await expect.poll(async () => (await snapshotOf(room)).interaction.chat.messages.map((m) => m.text), { timeout: 10_000 }).toContain('同学们好');

    expect([...owners]).toEqual(['A']);
    console.log('across nodes:', JSON.stringify({ classroom: received, studioWall: wall, cascade }));
  }, 180_000);
});
