import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssueToken, Lesson } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { layerCovering } from '../classroom-client/src/core/subscriptions.ts';
import { demandingCameraFile, launchChromium } from './support/browser.ts';
import { ImpairedLink } from './support/impaired-link.ts';
import { waitForMedia } from './support/media.ts';

/*
 * A remote classroom on a weak link: its big-screen page runs in Chromium inside a network namespace whose only
 * way to the SFU is a veth capped at 1 Mbit/s with 5 % random loss each way; the studio runs unimpaired, with a
 * camera file whose top layer really needs its 1.5 Mbit/s (the built-in fake camera fits in far less). The SFU
 * must step the classroom down a layer and keep audio whole; then the classroom switches to 仅音频+课件 and back;
 * then its media is blocked for 10 s. Numbers come from the pages' own getStats (inbound-rtp, outbound-rtp).
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
  studioBrowser = await launchChromium({ secureOrigin: stack.url, fakeVideo: await demandingCameraFile() });
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

async function open(
  browser: Browser,
  role: IssueToken['role'],
  displayName: string,
  extra: Partial<IssueToken> = {},
  viewport = { width: 1280, height: 720 },
): Promise<Page> {
  const issued = await stack.admin.issueToken(lesson.id, { role, displayName, ...extra });
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (err) => console.error(`[${role} page error]`, err));
  // Keeps the page's peer connections reachable, so the studio's per-layer send stats can be read (outbound()).
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
  bytesReceived: number;
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
      bytesReceived: total('bytesReceived'),
      concealedSamples: total('concealedSamples'),
      totalSamplesReceived: total('totalSamplesReceived'),
      concealmentEvents: total('concealmentEvents'),
    };
  };
  return { audio: sum('audio'), video: sum('video') };
}

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

/** The share of an observation's time spent at a received width that passes `test`. */
function share(widths: [number, number][], test: (width: number) => boolean): number {
  const total = widths.reduce((ms, [, d]) => ms + d, 0);
  return widths.filter(([w]) => test(w)).reduce((ms, [, d]) => ms + d, 0) / Math.max(1, total);
}

/** Watches the page for `seconds`: longest stretch without a new audio packet, phases seen, first/last stats. */
async function observe(page: Page, seconds: number) {
  const first = await inbound(page);
  const startedAt = Date.now();
  let lastAt = startedAt;
  let last = first;
  let lastAudioAt = Date.now();
  let longestAudioStall = 0;
  const phases = new Set<string>();
  /** The received width over time, as [width, ms] runs: when the SFU switched layers. */
  const widths: [number, number][] = [];
  /** The layer the page asked the SFU for over time, as [layer, ms] runs (null: not received). */
  const askedLayers: [number | null, number][] = [];
  const addRun = <T>(runs: [T, number][], value: T, ms: number) => {
    const run = runs.at(-1);
    if (run && run[0] === value) run[1] += ms;
    else runs.push([value, ms]);
  };
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await page.waitForTimeout(100);
    const now = await inbound(page);
    if (now.audio.packetsReceived > last.audio.packetsReceived) lastAudioAt = Date.now();
    longestAudioStall = Math.max(longestAudioStall, Date.now() - lastAudioAt);
    const { phase, asked } = await page.evaluate(() => {
      const { phase, plan, publications } = window.__classroom!.client.getSnapshot();
      const camera = publications.find((p) => p.kind === 'video');
      return { phase, asked: camera ? (plan.get(camera.producerId) ?? null) : null };
    });
    phases.add(phase);
    addRun(widths, now.video.frameWidth, Date.now() - lastAt);
    addRun(askedLayers, asked, Date.now() - lastAt);
    lastAt = Date.now();
    last = now;
  }
  const d = (k: keyof Inbound, kind: 'audio' | 'video') => (last[kind][k] as number) - (first[kind][k] as number);
  return {
    longestAudioStallMs: longestAudioStall,
    phases: [...phases],
    framesDecoded: d('framesDecoded', 'video'),
    frameWidth: last.video.frameWidth,
    widths,
    askedLayers,
    videoKbps: Math.round((d('bytesReceived', 'video') * 8) / (Date.now() - startedAt)),
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
    const phone = await open(studioBrowser, 'student', '小明', { classroomId }, { width: 390, height: 844 });
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
