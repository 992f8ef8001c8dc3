import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoLesson, type DemoLesson } from '../infra/src/demo-lesson.ts';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { launchChromium } from './support/browser.ts';
import { mediaStats, waitForMedia } from './support/media.ts';

let stack: Stack;
let browser: Browser;
let demo: DemoLesson;

beforeAll(async () => {
  stack = await startStack({ serveClient: true, sfuWorkers: 1 });
  demo = await createDemoLesson(stack.admin);
  browser = await launchChromium();
});

afterAll(async () => {
  demo?.feed.kill('SIGKILL');
  await browser?.close();
  await stack?.stop();
});

describe('demo lesson (what `npm start` serves)', () => {
  it('plays the synthetic studio feed in a remote classroom without any camera', async () => {
    expect(demo.lesson.status).toBe('live');
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(new URL(demo.links.classroom_device, stack.url).href);
    const first = await waitForMedia(page, (s) => s.framesDecoded > 0 && s.audioPacketsReceived > 0, 30_000);
    await page.waitForTimeout(1_000);
    const later = await mediaStats(page);
    expect(later.framesDecoded).toBeGreaterThan(first.framesDecoded);
    expect(later.audioPacketsReceived).toBeGreaterThan(first.audioPacketsReceived);
    // The ffmpeg test pattern is 1280×720: what the classroom decodes is the feed, not a placeholder.
    expect(later.videoWidth).toBe(1280);
    await page.screenshot({ path: 'e2e/artifacts/demo-classroom.png' });
  });
});
