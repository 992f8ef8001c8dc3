import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueToken, Lesson } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { launchChromium } from './support/browser.ts';
import { ImpairedLink } from './support/impaired-link.ts';
import { waitForMedia } from './support/media.ts';

/*
 * A remote classroom on a weak link: its big-screen page runs in Chromium inside a network namespace whose only
 * way to the SFU is a veth capped at 1 Mbit/s with 5 % random loss each way; the studio runs unimpaired. Then
 * the classroom's media is blocked for 10 s. Numbers come from the page's own getStats (inbound-rtp).
 */

let link: ImpairedLink;
let stack: Stack;
let studioBrowser: Browser;
let roomBrowser: Browser;
let lesson: Lesson;
let classroomId: string;

beforeAll(async () => {
  link = await ImpairedLink.create();
  stack = await startStack({ host: link.hostIp, serveClient: true, sfuWorkers: 1, recorder: false });
  studioBrowser = await launchChromium({ secureOrigin: stack.url });
  roomBrowser = await launchChromium({ executablePath: await link.chromiumInside(), secureOrigin: stack.url });
  lesson = await stack.admin.createLesson({ title: '弱网课堂', knowledgePoints: ['楞次定律'] });
  classroomId = (await stack.admin.createClassroom({ name: '山区小学 六(1)班' })).id;
  await stack.admin.pairClassroom(lesson.id, classroomId);
});

afterAll(async () => {
  await roomBrowser?.close();
  await studioBrowser?.close();
  await stack?.stop();
  await link?.destroy();
});

async function open(browser: Browser, role: IssueToken['role'], displayName: string, extra: Partial<IssueToken> = {}): Promise<Page> {
  const issued = await stack.admin.issueToken(lesson.id, { role, displayName, ...extra });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on('pageerror', (err) => console.error(`[${role} page error]`, err));
  await page.goto(new URL(issued.joinPath, stack.url).href);
  return page;
}

interface Inbound {
  kind: 'audio' | 'video';
  framesDecoded: number;
  frameWidth: number;
  freezeCount: number;
  totalFreezesDuration: number;
  packetsReceived: number;
  packetsLost: number;
  concealedSamples: number;
  totalSamplesReceived: number;
  concealmentEvents: number;
}

/** Sums the page's inbound-rtp reports per kind (the studio publishes one camera and one mic). */
async function inbound(page: Page): Promise<Record<'audio' | 'video', Inbound>> {
  const reports = await page.evaluate(() => window.__classroom!.client.inboundRtp());
  const sum = (kind: 'audio' | 'video'): Inbound => {
    const rs = reports.filter((r) => r.kind === kind);
    const total = (k: string) => rs.reduce((n, r) => n + (Number(r[k]) || 0), 0);
    return {
      kind,
      framesDecoded: total('framesDecoded'),
      frameWidth: Math.max(0, ...rs.map((r) => Number(r.frameWidth) || 0)),
      freezeCount: total('freezeCount'),
      totalFreezesDuration: total('totalFreezesDuration'),
      packetsReceived: total('packetsReceived'),
      packetsLost: total('packetsLost'),
      concealedSamples: total('concealedSamples'),
      totalSamplesReceived: total('totalSamplesReceived'),
      concealmentEvents: total('concealmentEvents'),
    };
  };
  return { audio: sum('audio'), video: sum('video') };
}

/** Watches the page for `seconds`: longest stretch without a new audio packet, phases seen, first/last stats. */
async function observe(page: Page, seconds: number) {
  const first = await inbound(page);
  let last = first;
  let lastAudioAt = Date.now();
  let longestAudioStall = 0;
  const phases = new Set<string>();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await page.waitForTimeout(100);
    const now = await inbound(page);
    if (now.audio.packetsReceived > last.audio.packetsReceived) lastAudioAt = Date.now();
    longestAudioStall = Math.max(longestAudioStall, Date.now() - lastAudioAt);
    phases.add(await page.evaluate(() => window.__classroom!.client.getSnapshot().phase));
    last = now;
  }
  const d = (k: keyof Inbound, kind: 'audio' | 'video') => (last[kind][k] as number) - (first[kind][k] as number);
  return {
    longestAudioStallMs: longestAudioStall,
    phases: [...phases],
    framesDecoded: d('framesDecoded', 'video'),
    frameWidth: last.video.frameWidth,
    freezes: d('freezeCount', 'video'),
    freezeSeconds: Math.round(d('totalFreezesDuration', 'video') * 100) / 100,
    videoLost: d('packetsLost', 'video'),
    audioPackets: d('packetsReceived', 'audio'),
    audioLost: d('packetsLost', 'audio'),
    concealedPercent: Math.round((d('concealedSamples', 'audio') / Math.max(1, d('totalSamplesReceived', 'audio'))) * 1000) / 10,
    concealmentEvents: d('concealmentEvents', 'audio'),
  };
}

describe('weak classroom link', () => {
  it('keeps audio flowing and video going under 1 Mbit/s with 5 % loss, without reconnecting, and recovers from 10 s of blocked media', async () => {
    const room = await open(roomBrowser, 'classroom_device', '山区小学 六(1)班', { classroomId });
    const studio = await open(studioBrowser, 'master_teacher', '王老师');
    await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    await waitForMedia(room, (s) => s.framesDecoded > 30 && s.audioPacketsReceived > 50, 30_000);

    const clean = await observe(room, 8);
    console.log('clean link:', JSON.stringify(clean));

    await link.impair({ kbit: 1000, lossPercent: 5 });
    await room.waitForTimeout(3_000); // let the SFU's bandwidth estimate settle on the new link
    const weak = await observe(room, 25);
    console.log('1 Mbit/s, 5 % loss:', JSON.stringify(weak));
    expect(weak.longestAudioStallMs).toBeLessThan(500);
    expect(weak.audioLost).toBeGreaterThan(0); // the loss really applied
    expect(weak.framesDecoded).toBeGreaterThan(25 * 5); // video goes on
    // Not asserted yet: stepping video down to a lower simulcast layer is the bandwidth policy's job (issue 5,
    // item 3); today the SFU keeps forwarding the top layer and the page freezes instead (see the printed numbers).
    expect(weak.phases).toEqual(['live']); // no reconnect loop

    await link.blockMedia();
    await room.waitForTimeout(10_000);
    await link.unblockMedia();
    const before = await inbound(room);
    const unblockedAt = Date.now();
    for (;;) {
      const now = await inbound(room);
      if (now.video.framesDecoded > before.video.framesDecoded + 30 && now.audio.packetsReceived > before.audio.packetsReceived + 50) break;
      if (Date.now() - unblockedAt > 20_000) throw new Error('media did not come back within 20 s of unblocking');
      await room.waitForTimeout(250);
    }
    const recoveredAfterMs = Date.now() - unblockedAt;
    const after = await observe(room, 8);
    console.log('after 10 s blocked:', JSON.stringify({ recoveredAfterMs, ...after }));
    expect(after.framesDecoded).toBeGreaterThan(0);
    expect(after.audioPackets).toBeGreaterThan(0);
    expect(after.phases).toEqual(['live']);
  }, 180_000);
});
