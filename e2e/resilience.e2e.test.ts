import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImpairedClassroom, type ImpairedClassroom } from './support/impaired-classroom.ts';
import { ImpairedLink } from './support/impaired-link.ts';
import { openAs } from './support/join.ts';
import { mediaStats, waitForMedia, waitForMediaFrom } from './support/media.ts';

/*
 * A classroom on stage with its hand up goes through three faults, and after each one the studio still sees it
 * on stage with its hand raised and receives its camera, and the classroom receives the lesson again:
 *   1. its signaling connection drops (resumed: same consumers, media never stopped);
 *   2. its media (UDP) is blocked for 12 s (ICE restart);
 *   3. the SFU's media worker is SIGKILLed (every transport is gone: media is rebuilt from scratch).
 * The classroom page runs in its own network namespace so only its link is blocked.
 */

const exec = promisify(execFile);

let link: ImpairedLink;
let setup: ImpairedClassroom;

beforeAll(async () => {
  link = await ImpairedLink.create();
  setup = await startImpairedClassroom(link, { lesson: { title: '断线恢复' }, classroomName: '白云小学 四(2)班' });
});

afterAll(async () => {
  await setup?.close();
  await link?.destroy();
});

/** What the studio knows about the classroom: still there, on stage, hand up, and the id of its camera publication. */
async function seenByStudio(studio: Page, roomId: string) {
  return studio.evaluate((id) => {
    const snap = window.__classroom!.client.getSnapshot();
    const p = snap.participants.find((x) => x.id === id);
    return {
      present: p !== undefined,
      connection: p?.connection ?? null,
      onStage: p?.onStage ?? false,
      handUp: p?.handRaisedAt != null,
      camera: p?.publications.find((pub) => pub.kind === 'video')?.producerId ?? null,
    };
  }, roomId);
}

async function roomConsumers(room: Page): Promise<string[]> {
  return room.evaluate(() =>
    window.__classroom!.client
      .getSnapshot()
      .publications.flatMap((p) => (p.consumerId ? [p.consumerId] : []))
      .sort(),
  );
}

async function until<T>(page: Page, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`${what} within ${timeoutMs} ms; last ${JSON.stringify(last)}`);
}

/** The mediasoup-worker processes under the SFU service. */
async function mediaWorkerPids(): Promise<number[]> {
  const { stdout } = await exec('ps', ['-e', '-o', 'pid=,ppid=,comm=']);
  const rows = stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
  const under = new Set([setup.stack.sfu.child.pid!]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of rows) if (under.has(Number(ppid)) && !under.has(Number(pid))) (under.add(Number(pid)), (grew = true));
  }
  return rows.filter(([pid, , comm]) => under.has(Number(pid)) && comm?.startsWith('mediasoup-work')).map(([pid]) => Number(pid));
}

describe('a classroom on a failing link', () => {
  it('resumes signaling without touching media, restarts ICE after blocked media, rebuilds media after the SFU worker dies', async () => {
    const room = await openAs(setup.roomBrowser, setup.target, 'classroom_device', '白云小学 四(2)班', { extra: { classroomId: setup.classroomId } });
    const studio = await openAs(setup.studioBrowser, setup.target, 'master_teacher', '李老师');
    await studio.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    await waitForMedia(room, (s) => s.framesDecoded > 30 && s.audioPacketsReceived > 50, 30_000);
    const roomId = await room.evaluate(() => window.__classroom!.client.getSnapshot().self!.id);
    await studio.evaluate((id) => window.__classroom!.client.invite(id), roomId);
    await room.evaluate(() => window.__classroom!.client.raiseHand());
    await waitForMediaFrom(studio, roomId, (s) => s.framesDecoded > 20, 30_000);
    const intact = (s: Awaited<ReturnType<typeof seenByStudio>>) => s.present && s.connection === 'connected' && s.onStage && s.handUp && s.camera !== null;
    expect(intact(await seenByStudio(studio, roomId))).toBe(true);
    const grade = () => room.getByTestId('link-quality').getAttribute('data-grade');
    expect(await until(room, grade, (g) => g !== 'measuring', 10_000, 'no link grade')).toMatch(/^(good|fair|poor)$/);

    // 1. The signaling connection drops: the page resumes the same participant and keeps every consumer.
    const consumers = await roomConsumers(room);
    const cameraBefore = (await seenByStudio(studio, roomId)).camera;
    const framesBefore = (await mediaStats(room)).framesDecoded;
    const dropAt = Date.now();
    await room.evaluate(() => window.__classroom!.client.dropSignalingConnection());
    await until(room, () => room.evaluate(() => performance.getEntriesByName('classroom:resumed').length), (n) => n > 0, 15_000, 'no resume');
    const resumeMs = Date.now() - dropAt;
    expect(await roomConsumers(room)).toEqual(consumers);
    expect(await room.evaluate(() => window.__classroom!.client.getSnapshot().phase)).toBe('live');
    const afterResume = await seenByStudio(studio, roomId);
    expect(intact(afterResume)).toBe(true);
    expect(afterResume.camera).toBe(cameraBefore); // the room's producer was never replaced
    await waitForMedia(room, (s) => s.framesDecoded > framesBefore + 30, 10_000);
    console.log('signaling drop:', JSON.stringify({ resumeMs, consumersKept: consumers.length }));

    // 2. Media blocked for 12 s: the transports go 'disconnected', ICE restarts, media comes back on the same consumers.
    await link.blockMedia();
    const blockedAt = Date.now();
    await until(room, () => room.evaluate(() => window.__classroom!.client.getSnapshot().mediaLink), (l) => l === 'recovering', 12_000, 'media never seen as recovering');
    expect(await grade()).toBe('recovering'); // the page says so
    const detectedMs = Date.now() - blockedAt;
    await room.waitForTimeout(Math.max(0, 12_000 - (Date.now() - blockedAt)));
    await link.unblockMedia();
    const unblockedAt = Date.now();
    const framesAtUnblock = (await mediaStats(room)).framesDecoded;
    await waitForMedia(room, (s) => s.framesDecoded > framesAtUnblock + 30, 20_000);
    const mediaBackMs = Date.now() - unblockedAt;
    const iceRestarts = await room.evaluate(() => window.__classroom!.client.iceRestarts);
    expect(iceRestarts).toBeGreaterThanOrEqual(1);
    await until(room, () => room.evaluate(() => window.__classroom!.client.getSnapshot().mediaLink), (l) => l === 'ok', 10_000, 'link not ok again');
    const studioFrames = (await waitForMediaFrom(studio, roomId, () => true, 1_000)).framesDecoded;
    await waitForMediaFrom(studio, roomId, (s) => s.framesDecoded > studioFrames + 20, 20_000);
    expect(intact(await seenByStudio(studio, roomId))).toBe(true);
    expect(await room.evaluate(() => window.__classroom!.client.getSnapshot().phase)).toBe('live');
    console.log('media blocked 12 s:', JSON.stringify({ detectedMs, mediaBackMs, iceRestarts }));

    // 3. The SFU's worker dies: every transport is gone; both pages rebuild their media and the classroom is back on stage.
    const [worker] = await mediaWorkerPids();
    expect(worker).toBeDefined();
    const killedAt = Date.now();
    process.kill(worker!, 'SIGKILL');
    await until(room, async () => (await roomConsumers(room)).some((id) => !consumers.includes(id)), (fresh) => fresh, 20_000, 'room did not consume again');
    const framesAfterKill = (await mediaStats(room)).framesDecoded;
    await waitForMedia(room, (s) => s.framesDecoded > framesAfterKill + 30, 20_000);
    const roomBackMs = Date.now() - killedAt;
    const restored = await until(studio, () => seenByStudio(studio, roomId), (s) => intact(s) && s.camera !== cameraBefore, 20_000, 'studio did not get the classroom back');
    await waitForMediaFrom(studio, roomId, (s) => s.framesDecoded > 20, 20_000);
    const studioBackMs = Date.now() - killedAt;
    expect(restored.onStage && restored.handUp).toBe(true);
    expect(await room.evaluate(() => window.__classroom!.client.getSnapshot().phase)).toBe('live');
    console.log('sfu worker killed:', JSON.stringify({ roomBackMs, studioBackMs }));
  }, 240_000);
});
