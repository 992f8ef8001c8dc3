import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueToken, Lesson } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { launchChromium } from './support/browser.ts';
import { openAs } from './support/join.ts';
import { waitForMedia, waitForMediaFrom } from './support/media.ts';

/*
 * Two SFU nodes behind one signaling server: the studio's media lives on the lesson's home node, the classroom is
 * placed on the other one, and each receives the other's video through a pipe link between the nodes (the master's
 * angle one way, the classroom's wall camera the other).
 */

let stack: Stack;
let browser: Browser;
let lesson: Lesson;
let classroomId: string;

beforeAll(async () => {
  stack = await startStack({ serveClient: true, sfuNodes: 2, sfuWorkers: 1, recorder: false });
  browser = await launchChromium();
  lesson = await stack.admin.createLesson({ title: '级联课堂' });
  classroomId = (await stack.admin.createClassroom({ name: '东山小学 三(1)班' })).id;
  await stack.admin.pairClassroom(lesson.id, classroomId);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const open = (role: IssueToken['role'], displayName: string, extra: Partial<IssueToken> = {}): Promise<Page> =>
  openAs(browser, { admin: stack.admin, baseUrl: stack.url, lessonId: lesson.id }, role, displayName, { extra });

type Cascade = { from: string; to: string; producerId: string };

describe('a lesson spread over two SFU nodes', () => {
  it('cascades the master to a classroom on the other node, and the classroom camera back to the studio', async () => {
    const cascades: Cascade[] = [];
    const watching = stack.signaling.waitForLog((line) => {
      if (line.msg === 'producer cascaded') cascades.push({ from: String(line.from), to: String(line.to), producerId: String(line.producerId) });
      // studio camera + mic to the classroom's node, the room camera to the studio's node
      const toRoom = cascades.filter((c) => c.from === 'sfu0' && c.to === 'sfu1').length;
      const toStudio = cascades.filter((c) => c.from === 'sfu1' && c.to === 'sfu0').length;
      return toRoom >= 2 && toStudio >= 1 ? true : undefined;
    }, 60_000);

    const studio = await open('master_teacher', '赵老师');
    await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    const room = await open('classroom_device', '东山小学 三(1)班', { classroomId });
    const roomId = await expect
      .poll(() => room.evaluate(() => window.__classroom?.client.getSnapshot().self?.id ?? null), { timeout: 15_000 })
      .not.toBeNull()
      .then(() => room.evaluate(() => window.__classroom!.client.getSnapshot().self!.id));

    const received = await waitForMedia(room, (s) => s.framesDecoded > 30 && s.videoWidth > 0 && s.audioPacketsReceived > 50, 30_000);
    const wall = await waitForMediaFrom(studio, roomId, (s) => s.framesDecoded > 20, 30_000);
    await watching;
    console.log('cascade:', JSON.stringify({ cascades, classroom: received, studioWall: wall }));
    expect(new Set(cascades.map((c) => c.producerId)).size).toBe(cascades.length); // each producer piped once per node
  }, 120_000);
});
