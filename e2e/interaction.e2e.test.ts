import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueToken, Lesson } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { launchChromium } from './support/browser.ts';
import { mediaStatsFor, waitForMediaFrom } from './support/media.ts';

let stack: Stack;
let browser: Browser;
let lesson: Lesson;
let roomA: string;
let roomB: string;

beforeAll(async () => {
  stack = await startStack({ serveClient: true, sfuWorkers: 1 });
  browser = await launchChromium();
  lesson = await stack.admin.createLesson({ title: '楞次定律 连麦课', knowledgePoints: ['楞次定律'] });
  roomA = (await stack.admin.createClassroom({ name: '青山二中 九(2)班' })).id;
  roomB = (await stack.admin.createClassroom({ name: '河口中心校 九(1)班' })).id;
  await stack.admin.pairClassroom(lesson.id, roomA);
  await stack.admin.pairClassroom(lesson.id, roomB);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function openAs(role: IssueToken['role'], displayName: string, classroomId?: string): Promise<{ page: Page; participantId: string }> {
  const issued = await stack.admin.issueToken(lesson.id, { role, displayName, ...(classroomId ? { classroomId } : {}) });
  const phone = role === 'student' || role === 'local_teacher';
  const page = await browser.newPage({ viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 720 } });
  page.on('pageerror', (err) => console.error(`[${role} page error]`, err));
  await page.goto(new URL(issued.joinPath, stack.url).href);
  return { page, participantId: issued.participantId };
}

describe('classroom interaction in the browser', () => {
  it('a classroom raises its hand, goes on stage, and another classroom sees and hears it until it leaves the stage', async () => {
    const studio = await openAs('master_teacher', '王老师');
    await studio.page.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    const roomADevice = await openAs('classroom_device', '青山二中 九(2)班', roomA);
    const roomBDevice = await openAs('classroom_device', '河口中心校 九(1)班', roomB);
    const teacherA = await openAs('local_teacher', '李老师', roomA);

    // The room's hand goes up from its local teacher's console and shows on the studio's wall.
    await teacherA.page.getByTestId('hand-raise').click({ timeout: 30_000 });
    const invite = studio.page.getByTestId(`invite-${roomADevice.participantId}`).first();
    await invite.click({ timeout: 30_000 });

    const first = await waitForMediaFrom(
      roomBDevice.page,
      roomADevice.participantId,
      (s) => s.framesDecoded > 0 && s.videoWidth > 0 && s.audioPacketsReceived > 0,
      30_000,
    );
    await roomBDevice.page.waitForTimeout(1_500);
    const later = await mediaStatsFor(roomBDevice.page, roomADevice.participantId);
    expect(later.framesDecoded).toBeGreaterThan(first.framesDecoded);
    expect(later.audioPacketsReceived).toBeGreaterThan(first.audioPacketsReceived);
    await expect.poll(() => roomBDevice.page.getByTestId(`stage-tile-${roomADevice.participantId}`).count(), { timeout: 15_000 }).toBeGreaterThan(0);

    await studio.page.getByTestId(`remove-${roomADevice.participantId}`).first().click();
    await expect
      .poll(() => roomBDevice.page.getByTestId(`stage-tile-${roomADevice.participantId}`).count(), { timeout: 15_000 })
      .toBe(0);
    const stopped = await mediaStatsFor(roomBDevice.page, roomADevice.participantId);
    await roomBDevice.page.waitForTimeout(1_500);
    const after = await mediaStatsFor(roomBDevice.page, roomADevice.participantId);
    expect(after.framesDecoded).toBe(stopped.framesDecoded);
    expect(after.audioPacketsReceived).toBe(stopped.audioPacketsReceived);
    for (const p of [studio, roomADevice, roomBDevice, teacherA]) await p.page.close();
  });

  it('renders chat text and display names as inert text', async () => {
    const studio = await openAs('master_teacher', '王老师');
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const student = await openAs('student', '<b onmouseover="window.__pwned=2">小明</b>', roomA);
    const box = student.page.getByRole('textbox', { name: /聊天|消息|chat/i }).first();
    await box.fill(hostile, { timeout: 30_000 });
    await box.press('Enter');
    const message = studio.page.getByTestId('chat-message').filter({ hasText: hostile });
    await expect.poll(() => message.count(), { timeout: 15_000 }).toBe(1);
    expect(await message.locator('img').count()).toBe(0);
    expect(await studio.page.getByTestId('chat-message').filter({ hasText: '<b onmouseover' }).count()).toBeGreaterThan(0);
    for (const page of [studio.page, student.page]) {
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    }
  });
});
