import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lesson } from '@dualclass/protocol';
import { REPO_ROOT, startStack, type Stack } from '../infra/src/stack.ts';
import { launchChromium } from './support/browser.ts';
import { DESKTOP_VIEWPORT, openAs, PHONE_VIEWPORT } from './support/join.ts';
import { mediaStats, waitForMedia, type MediaStats } from './support/media.ts';

let stack: Stack;
let browser: Browser;
let lesson: Lesson;
let classroomId: string;

beforeAll(async () => {
  if (!existsSync(path.join(REPO_ROOT, 'classroom-client/dist/index.html'))) {
    throw new Error('classroom-client/dist is missing: `npm run build` first (npm run test:all does)');
  }
  stack = await startStack({ serveClient: true, sfuWorkers: 1 });
  browser = await launchChromium();
  lesson = await stack.admin.createLesson({ title: '电磁感应现象', knowledgePoints: ['电磁感应'] });
  classroomId = (await stack.admin.createClassroom({ name: '九年级（2）班' })).id;
  await stack.admin.pairClassroom(lesson.id, classroomId);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const open = (role: 'master_teacher' | 'classroom_device' | 'student', displayName: string): Promise<Page> =>
  openAs(browser, { admin: stack.admin, baseUrl: stack.url, lessonId: lesson.id }, role, displayName, {
    extra: role === 'classroom_device' ? { classroomId } : {},
    viewport: role === 'student' ? PHONE_VIEWPORT : DESKTOP_VIEWPORT,
  });

describe('live lesson in the browser', () => {
  it('master goes live; a remote classroom and a student decode the video and receive the audio', async () => {
    const classroom = await open('classroom_device', '九年级（2）班');
    const student = await open('student', '小明');
    await expect.poll(() => classroom.getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/等待|waiting/i);

    const studio = await open('master_teacher', '王老师');
    await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });

    for (const [name, page] of [['classroom', classroom], ['student', student]] as const) {
      const first = await waitForMedia(page, (s) => s.framesDecoded > 0 && s.videoWidth > 0 && s.audioPacketsReceived > 0, 30_000);
      await page.waitForTimeout(1_500);
      const later = await mediaStats(page);
      expect(later.framesDecoded, `${name} keeps decoding video`).toBeGreaterThan(first.framesDecoded);
      expect(later.audioPacketsReceived, `${name} keeps receiving audio`).toBeGreaterThan(first.audioPacketsReceived);
      expect(later.videoWidth).toBeGreaterThan(0);
    }

    // Join → first decoded frame, measured in the page from the moment the join starts.
    const joins: number[] = [];
    for (let i = 0; i < 5; i++) {
      await student.reload();
      const stats: MediaStats = await waitForMedia(student, (s) => s.firstFrameMs !== undefined, 30_000);
      joins.push(stats.firstFrameMs!);
    }
    joins.sort((a, b) => a - b);
    console.log(`join → first decoded frame (ms): ${joins.map((j) => j.toFixed(0)).join(', ')}; median ${joins[2]!.toFixed(0)}`);
    expect(joins[2]).toBeGreaterThan(0);

    await studio.getByRole('button', { name: /^下课$/ }).click();
    await studio.getByRole('button', { name: /确定下课/ }).click();
    await expect.poll(() => classroom.getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/下课|ended/i);
  });
});
