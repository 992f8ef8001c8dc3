import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueToken } from '@dualclass/protocol';
import { layerCovering } from '../classroom-client/src/core/subscriptions.ts';
import { demandingCameraFile } from './support/browser.ts';
import { startImpairedClassroom, type ImpairedClassroom } from './support/impaired-classroom.ts';
import { ImpairedLink } from './support/impaired-link.ts';
import { inbound, observe, share } from './support/inbound-stats.ts';
import { openAs, PHONE_VIEWPORT, type OpenOptions } from './support/join.ts';
import { waitForMedia } from './support/media.ts';

/*
 * A remote classroom on a weak link: its big-screen page runs in Chromium inside a network namespace whose only
 * way to the SFU is a veth capped at 1 Mbit/s with 5 % random loss each way; the studio runs unimpaired, with a
 * camera file whose top layer really needs its 1.5 Mbit/s (the built-in fake camera fits in far less). The SFU
 * must step the classroom down a layer and keep audio whole; then the classroom switches to 仅音频+课件 and back;
 * then its media is blocked for 10 s. Numbers come from the pages' own getStats (inbound-rtp, outbound-rtp).
 */

let link: ImpairedLink;
let setup: ImpairedClassroom;

beforeAll(async () => {
  link = await ImpairedLink.create();
  setup = await startImpairedClassroom(link, {
    lesson: { title: '弱网课堂', knowledgePoints: ['楞次定律'] },
    classroomName: '山区小学 六(1)班',
    studioFakeVideo: await demandingCameraFile(),
  });
});

afterAll(async () => {
  await setup?.close();
  await link?.destroy();
});

/** Keeps the page's peer connections reachable, so the studio's per-layer send stats can be read (outbound()). */
async function keepPeers(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const peers: RTCPeerConnection[] = [];
    (window as unknown as { __peers: RTCPeerConnection[] }).__peers = peers;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        peers.push(this);
      }
    };
  });
}

const open = (browser: Browser, role: IssueToken['role'], displayName: string, options: Omit<OpenOptions, 'beforeJoin'> = {}) =>
  openAs(browser, setup.target, role, displayName, { ...options, beforeJoin: keepPeers });

/** The studio's video outbound-rtp reports (one per simulcast layer), from the peers its page made. */
function sendLayers(page: Page) {
  return page.evaluate(async () => {
    const layers: { ssrc: number; frameWidth: number; bytesSent: number; limitation: string }[] = [];
    for (const pc of (window as unknown as { __peers: RTCPeerConnection[] }).__peers) {
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video') {
          layers.push({ ssrc: r.ssrc, frameWidth: r.frameWidth ?? 0, bytesSent: r.bytesSent ?? 0, limitation: r.qualityLimitationReason ?? '' });
        }
      });
    }
    return layers;
  });
}

/** The studio's simulcast layers over `seconds`: width, kbit/s and why the encoder holds back, per layer. */
async function outbound(page: Page, seconds: number) {
  const first = await sendLayers(page);
  await page.waitForTimeout(seconds * 1000);
  const last = await sendLayers(page);
  return last
    .map((l) => ({ ...l, kbps: Math.round(((l.bytesSent - (first.find((f) => f.ssrc === l.ssrc)?.bytesSent ?? 0)) * 8) / (seconds * 1000)) }))
    .sort((a, b) => a.frameWidth - b.frameWidth)
    .map(({ frameWidth, kbps, limitation }) => ({ frameWidth, kbps, limitation }));
}

describe('weak classroom link', () => {
  it('keeps audio flowing and video going under 1 Mbit/s with 5 % loss, without reconnecting, and recovers from 10 s of blocked media', async () => {
    const room = await open(setup.roomBrowser, 'classroom_device', '山区小学 六(1)班', { extra: { classroomId: setup.classroomId } });
    const studio = await open(setup.studioBrowser, 'master_teacher', '王老师');
    await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    await waitForMedia(room, (s) => s.framesDecoded > 30 && s.audioPacketsReceived > 50, 30_000);

    // Both estimates start low and probe upwards: first the studio's own uplink, until its top layer runs at
    // 1 Mbit/s or more; then the SFU's towards the classroom, which on a clean link must reach that top layer.
    const rampStart = Date.now();
    const rampedUp = async () => {
      const top = (await outbound(studio, 1)).at(-1);
      return top !== undefined && top.kbps >= 1000 && (await inbound(room)).video.frameWidth === top.frameWidth;
    };
    while (!(await rampedUp())) {
      if (Date.now() - rampStart > 40_000) throw new Error('the classroom did not receive a full top layer on a clean link within 40 s');
    }
    console.log('clean link: top layer after', Date.now() - rampStart, 'ms');
    const [clean, cleanLayers] = await Promise.all([observe(room, 8), outbound(studio, 8)]);
    console.log('studio layers, clean:', JSON.stringify(cleanLayers));
    console.log('clean link:', JSON.stringify(clean));
    // A big classroom screen asks for the top layer and, on a clean link, got it (the ramp above). How long it
    // then stays there is the SFU's estimate: on a loaded test machine it wobbles a layer down for seconds, so
    // that share is printed, not asserted. The studio's encoder scales its layers by 3/4 now and then (960 for
    // 1280), so a width tells its layer the way the client reads it (layerCovering).
    const isTop = (w: number) => layerCovering(w, 3) === 2;
    expect(cleanLayers.filter((l) => isTop(l.frameWidth))).toHaveLength(1);
    expect(clean.askedLayers).toEqual([[2, expect.any(Number)]]);
    console.log('clean link: share of time at the top layer', share(clean.widths, isTop).toFixed(2));

    // A student's phone on the same lesson (390 CSS px wide, devicePixelRatio 1) asks for the layer that covers
    // its tile, 640 wide, not the top one: nothing it could not show crosses its link.
    const phone = await open(setup.studioBrowser, 'student', '小明', { extra: { classroomId: setup.classroomId }, viewport: PHONE_VIEWPORT });
    await waitForMedia(phone, (s) => s.framesDecoded > 30, 30_000);
    const phoneCamera = await phone.evaluate(() => {
      const { plan, publications } = window.__classroom!.client.getSnapshot();
      const camera = publications.find((p) => p.kind === 'video');
      return camera ? { layer: plan.get(camera.producerId) } : null;
    });
    const phoneWidth = (await inbound(phone)).video.frameWidth;
    console.log('student phone:', JSON.stringify({ ...phoneCamera, frameWidth: phoneWidth }));
    expect(phoneCamera).toEqual({ layer: 1 });
    expect(phoneWidth).toBeGreaterThan(0);
    expect(phoneWidth).toBeLessThanOrEqual(640);
    await phone.close();

    await link.impair({ kbit: 1000, lossPercent: 5 });
    await room.waitForTimeout(3_000); // let the SFU's bandwidth estimate settle on the new link
    const [weak, weakLayers] = await Promise.all([observe(room, 25), outbound(studio, 25)]);
    console.log('studio layers, classroom on 1 Mbit/s:', JSON.stringify(weakLayers));
    console.log('1 Mbit/s, 5 % loss:', JSON.stringify(weak));
    expect(weak.longestAudioStallMs).toBeLessThan(500);
    expect(weak.audioLost).toBeGreaterThan(0); // the loss really applied
    expect(weak.framesDecoded).toBeGreaterThan(25 * 5); // video goes on
    // …mostly at a lower layer than the studio's top one: the SFU stepped this classroom down, not the studio's
    // encoder. (Its estimate probes the top layer again now and then; those probes are the freezes printed.)
    expect(weakLayers.filter((l) => isTop(l.frameWidth))).toHaveLength(1); // the studio still sends its top layer
    const weakShare = share(weak.widths, (w) => w > 0 && !isTop(w));
    console.log('1 Mbit/s: share of time below the top layer', weakShare.toFixed(2));
    expect(weakShare).toBeGreaterThan(0.5);
    expect(weak.phases).toEqual(['live']); // no reconnect loop

    // 仅音频+课件 on the weak link: camera video stops arriving, audio goes on; switched off, video comes back.
    const toggle = room.getByRole('button', { name: /仅音频\+课件/ });
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    await room.waitForTimeout(1_500); // frames already in flight
    const audioOnly = await observe(room, 8);
    console.log('仅音频+课件 on 1 Mbit/s:', JSON.stringify(audioOnly));
    expect(audioOnly.framesDecoded).toBe(0);
    expect(audioOnly.videoKbps).toBeLessThan(20); // a few RTCP-era stragglers at most, no video stream
    expect(audioOnly.audioPackets).toBeGreaterThan(8 * 40);
    expect(audioOnly.longestAudioStallMs).toBeLessThan(500);
    expect(audioOnly.phases).toEqual(['live']);
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    await room.waitForTimeout(2_000); // resumed at the SFU; the next keyframe restarts decoding
    const videoBack = await observe(room, 6);
    console.log('video back on 1 Mbit/s:', JSON.stringify(videoBack));
    expect(videoBack.framesDecoded).toBeGreaterThan(6 * 5);
    expect(videoBack.longestAudioStallMs).toBeLessThan(500);

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
