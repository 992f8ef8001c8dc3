import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestInfo } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { FEED_AUDIO, FEED_VIDEO, startStudioFeed } from '../infra/src/studio-feed.ts';
import { next, ok, TestParticipants } from '../signaling/src/testing/participants.ts';
import { launchChromium } from './support/browser.ts';
import type { AngleStats } from '../classroom-client/src/core/test-hook.ts';

/*
 * Named studio angles and 导播 on two remote classrooms' big screens: three ffmpeg encoders (教师特写 camera
 * with sound, 实验台 document camera, 课件 courseware) push H.264 over plain RTP; each big screen shows one
 * angle large and the others as small tiles. Classroom A puts 实验台 large with a click and its large <video>
 * decodes that producer; then the master (a socket) directs everyone to 课件 and both big screens switch
 * and decode it; classroom B switches away by keyboard, and a second direct command brings it back.
 */


let stack: Stack;
let browser: Browser;
let people: TestParticipants;
const feeds: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ serveClient: true, sfuWorkers: 1, recorder: false });
  browser = await launchChromium();
  people = new TestParticipants(stack);
});

afterAll(async () => {
  for (const feed of feeds) feed.kill('SIGKILL');
  people?.closeAll();
  await browser?.close();
  await stack?.stop();
});

const angles = (page: Page): Promise<AngleStats> =>
  page.evaluate(async () => {
    const hook = (window as unknown as { __classroom?: { angles(): Promise<AngleStats> } }).__classroom;
    if (!hook) throw new Error('no test hook');
    return hook.angles();
  });

async function waitForAngles(page: Page, done: (s: AngleStats) => boolean, timeoutMs = 15_000): Promise<AngleStats> {
  const deadline = Date.now() + timeoutMs;
  let last: AngleStats | undefined;
  while (Date.now() < deadline) {
    last = await angles(page).catch(() => undefined);
    if (last && done(last)) return last;
    await page.waitForTimeout(200);
  }
  throw new Error(`angles not as expected within ${timeoutMs} ms; last ${JSON.stringify(last)}`);
}

/** The large view plays `producerId`'s track, and it keeps decoding and presenting new frames. */
async function expectLargeDecoding(page: Page, producerId: string, width = 640): Promise<void> {
  const first = await waitForAngles(page, (s) => s.large === producerId && s.largeTrackMatches && s.largeFramesDecoded > 0 && s.largeFramesPresented > 0);
  const later = await waitForAngles(
    page,
    (s) => s.large === producerId && s.largeTrackMatches && s.largeFramesDecoded >= first.largeFramesDecoded + 15 && s.largeFramesPresented >= first.largeFramesPresented + 15,
  );
  if (width > 0) expect(later.largeVideoWidth).toBe(width);
  else expect(later.largeVideoWidth).toBeGreaterThan(0);
}

const feed = (ingest: IngestInfo, pattern: string) => feeds.push(startStudioFeed(ingest, { width: 640, height: 360, bitrateKbps: 400, pattern }));

describe('studio angles and 导播 on the big screens', () => {
  it('lets each classroom pick its large angle and switches every classroom when the master directs', async () => {
    const lesson = await stack.admin.createLesson({ title: '电磁感应 多机位' });
    const roomA = await stack.admin.createClassroom({ name: '青山二中 高二(3)班' });
    const roomB = await stack.admin.createClassroom({ name: '河口中心校 高二(1)班' });
    await stack.admin.pairClassroom(lesson.id, roomA.id);
    await stack.admin.pairClassroom(lesson.id, roomB.id);
    await stack.admin.startLesson(lesson.id);

    const teacher = await stack.admin.createIngest(lesson.id, { label: '教师特写', video: FEED_VIDEO, audio: FEED_AUDIO });
    const bench = await stack.admin.createIngest(lesson.id, { label: '实验台', source: 'document', video: FEED_VIDEO });
    feed(teacher, 'testsrc2');
    feed(bench, 'smptebars');

    const master = await people.join(lesson.id, 'master_teacher', { displayName: '王老师' });
    const pages: Page[] = [];
    for (const room of [roomA, roomB]) {
      const device = await stack.admin.issueToken(lesson.id, { role: 'classroom_device', displayName: room.name, classroomId: room.id });
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(new URL(device.joinPath, stack.url).href);
      pages.push(page);
    }
    const [a, b] = pages as [Page, Page];

    // The teacher camera is large by default, the bench camera a small tile.
    for (const page of pages) {
      await expectLargeDecoding(page, teacher.video.producerId);
      await waitForAngles(page, (s) => s.small.join() === bench.video.producerId);
    }

    // A third angle appears live on both screens.
    const slides = await stack.admin.createIngest(lesson.id, { label: '课件', source: 'screen', video: FEED_VIDEO });
    feed(slides, 'rgbtestsrc');
    for (const page of pages) await waitForAngles(page, (s) => s.small.includes(slides.video.producerId) && s.small.length === 2);

    // Classroom A clicks 实验台: its large view decodes that producer; classroom B is unchanged.
    const benchTile = a.getByTestId(`angle-tile-${bench.video.producerId}`);
    expect(await benchTile.getAttribute('aria-label')).toContain('实验台');
    await benchTile.click();
    await expectLargeDecoding(a, bench.video.producerId);
    expect((await angles(a)).small.sort()).toEqual([teacher.video.producerId, slides.video.producerId].sort());
    expect((await angles(b)).large).toBe(teacher.video.producerId);

    // 导播: the master sends everyone to 课件.
    const heard = next(master.socket, 'angle:directed');
    await ok(master.socket, 'angle:direct', { producerId: slides.video.producerId });
    expect(await heard).toEqual({ producerId: slides.video.producerId, by: master.self.id });
    for (const page of pages) {
      await expectLargeDecoding(page, slides.video.producerId);
      await waitForAngles(page, (s) => s.directed === slides.video.producerId);
    }
    expect(await a.getByTestId('angle-large').getByText('导播画面').isVisible()).toBe(true);

    // Classroom B switches away with the keyboard; the next direct command brings it back.
    await b.getByTestId(`angle-tile-${teacher.video.producerId}`).focus();
    await b.keyboard.press('Enter');
    await expectLargeDecoding(b, teacher.video.producerId);
    expect((await angles(a)).large).toBe(slides.video.producerId);
    await ok(master.socket, 'angle:direct', { producerId: slides.video.producerId });
    await expectLargeDecoding(b, slides.video.producerId);
  });

  it('the studio shares its screen as a courseware angle and directs every room to it from its 导播 card', async () => {
    const lesson = await stack.admin.createLesson({ title: '电磁感应 屏幕共享' });
    const room = await stack.admin.createClassroom({ name: '青山二中 高二(4)班' });
    await stack.admin.pairClassroom(lesson.id, room.id);
    await stack.admin.startLesson(lesson.id);
    const teacher = await stack.admin.createIngest(lesson.id, { label: '教师特写', video: FEED_VIDEO, audio: FEED_AUDIO });
    feed(teacher, 'testsrc2');

    const studioToken = await stack.admin.issueToken(lesson.id, { role: 'master_teacher', displayName: '王老师' });
    const studio = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await studio.goto(new URL(studioToken.joinPath, stack.url).href);
    const device = await stack.admin.issueToken(lesson.id, { role: 'classroom_device', displayName: room.name, classroomId: room.id });
    const screen = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await screen.goto(new URL(device.joinPath, stack.url).href);
    await expectLargeDecoding(screen, teacher.video.producerId);

    await studio.getByRole('button', { name: '共享屏幕（课件机位）' }).click({ timeout: 30_000 });
    const shared = await waitForAngles(screen, (s) => s.small.length === 1);
    const screenAngle = shared.small[0]!;
    expect(screenAngle).not.toBe(teacher.video.producerId);
    expect(await screen.getByTestId(`angle-tile-${screenAngle}`).getAttribute('aria-label')).toContain('课件屏幕');

    await studio.getByTestId(`angle-direct-${screenAngle}`).getByRole('button', { name: /课件屏幕/ }).click();
    await expectLargeDecoding(screen, screenAngle, 0);
    expect((await angles(screen)).directed).toBe(screenAngle);

    // Stopping the share withdraws the angle and clears 导播: the room falls back to the teacher camera.
    await studio.getByRole('button', { name: '停止共享屏幕' }).click();
    await waitForAngles(screen, (s) => s.directed === null && s.small.length === 0);
    await expectLargeDecoding(screen, teacher.video.producerId);
  });
});
