import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadTicketSchema, LessonSchema, LibraryEntrySchema, LibrarySearchResultSchema, type LibraryEntry, type RecordingTrack } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { FEED_AUDIO, FEED_VIDEO, startStudioFeed } from '../infra/src/studio-feed.ts';
import { TestParticipants, ok } from '../signaling/src/testing/participants.ts';
import { decodeMedia, probeStreams } from '../recorder/src/testing/media-check.ts';
import { adminRequest } from './support/admin-request.ts';
import { launchChromium } from './support/browser.ts';

/*
 * Recording in a cluster: two SFU nodes, the lesson homed on the first (the recorder's own SFU_URL), the classroom
 * placed on the second. Brought on stage, its camera is recorded from the node that holds it, and the library
 * entry carries the classroom's stage file with decodable frames beside the studio's master view.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STAGE_SECONDS = 8;

let stack: Stack;
let browser: Browser;
let participants: TestParticipants;
let dir: string;
const feeds: ChildProcess[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ serveClient: true, sfuNodes: 2, sfuWorkers: 1 }), launchChromium()]);
  participants = new TestParticipants(stack);
  dir = await mkdtemp(path.join(tmpdir(), 'dualclass-rec-cluster-'));
}, 60_000);

afterAll(async () => {
  for (const feed of feeds) feed.kill('SIGKILL');
  participants?.closeAll();
  await browser?.close();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const api = (pathname: string, init?: RequestInit) => adminRequest(stack, pathname, init);

/** The saved state of the recorder's stage track for this lesson, once its tap is open. */
async function stageTrack(lessonId: string): Promise<RecordingTrack | undefined> {
  const lessonDir = path.join(stack.dataDir, 'recorder-work', lessonId);
  for (const name of (await readdir(lessonDir).catch(() => [])).filter((n) => n.startsWith('track-'))) {
    const text = await readFile(path.join(lessonDir, name, 'track.json'), 'utf8').catch(() => undefined);
    const track = text === undefined ? undefined : (JSON.parse(text) as RecordingTrack);
    if (track?.role === 'stage' && track.kind === 'video') return track;
  }
  return undefined;
}

describe('recording with two SFU nodes', () => {
  it('records a classroom on stage from the SFU node its camera is on', async () => {
    const lesson = await stack.admin.createLesson({ title: '跨节点 录课', subject: '物理', grade: '高二' });
    const room = await stack.admin.createClassroom({ name: '东坡小学 六(1)班' });
    await stack.admin.pairClassroom(lesson.id, room.id);
    const studio = await stack.admin.createIngest(lesson.id, { label: '教师特写', video: FEED_VIDEO, audio: FEED_AUDIO });
    feeds.push(startStudioFeed(studio, { width: 640, height: 360, bitrateKbps: 600 }));

    const master = await participants.join(lesson.id, 'master_teacher', { displayName: '王老师' });
    const device = await stack.admin.issueToken(lesson.id, { role: 'classroom_device', displayName: '东坡小学 六(1)班', classroomId: room.id });
    const started = LessonSchema.parse(await ok(master.socket, 'lesson:start'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(new URL(device.joinPath, stack.url).href);
    await expect.poll(() => ok(master.socket, 'stage:invite', { participantId: device.participantId }).then(() => true, () => false), { timeout: 20_000 }).toBe(true);

    // The studio's home is the first node; the classroom was placed on the second, and is tapped there.
    await expect.poll(() => stageTrack(lesson.id), { timeout: 20_000, interval: 250 }).toBeDefined();
    const track = (await stageTrack(lesson.id))!;
    expect(track.sfuUrl).toBe(new URL(stack.sfuUrls[1]!).href);
    await sleep(STAGE_SECONDS * 1000);
    const ended = LessonSchema.parse(await ok(master.socket, 'lesson:end'));
    const endedAtMs = Date.now();
    await page.close();
    const lessonSeconds = (Date.parse(ended.endedAt!) - Date.parse(started.startedAt!)) / 1000;

    const search = LibrarySearchResultSchema.parse(await api(`/api/library/entries?q=${encodeURIComponent('跨节点')}`));
    const summary = search.items.find((e) => e.lessonId === lesson.id);
    expect(summary).toBeDefined();
    let entry: LibraryEntry;
    for (;;) {
      entry = LibraryEntrySchema.parse(await api(`/api/library/entries/${summary!.id}`));
      if (entry.status === 'failed' || entry.files.some((f) => f.role === 'manifest')) break;
      expect(Date.now() - endedAtMs).toBeLessThan(60_000);
      await sleep(250);
    }
    expect(entry.failureReason).toBeNull();
    expect(entry.gaps).toEqual([]);
    expect(entry.durationSeconds).toBeCloseTo(lessonSeconds, 0);

    const stage = entry.files.find((f) => f.role === 'stage');
    expect(stage?.label).toBe('东坡小学 六(1)班');
    const ticket = DownloadTicketSchema.parse(await api(`/api/library/entries/${entry.id}/files/${stage!.id}/download`, { method: 'POST' }));
    const file = path.join(dir, stage!.fileName);
    await writeFile(file, Buffer.from(await (await fetch(new URL(ticket.url, stack.url))).arrayBuffer()));
    expect((await probeStreams(file)).streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    const decoded = await decodeMedia(file);
    console.log(`stage file from the second SFU node: ${decoded.videoFrames} frames, ${decoded.audioSeconds.toFixed(1)} s of audio`);
    // The tap opens a moment after the classroom goes on stage, and a loaded machine delays its first keyframe.
    expect(decoded.videoFrames).toBeGreaterThan(10 * (STAGE_SECONDS - 3));
    expect(decoded.audioSeconds).toBeGreaterThan(STAGE_SECONDS - 3);
    expect(entry.files.some((f) => f.role === 'main')).toBe(true);
  }, 120_000);
});
