import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadTicketSchema, IssuedLibraryTokenSchema, LessonSchema, LibraryEntrySchema, LibrarySearchResultSchema, type LibraryEntry } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { FEED_AUDIO, FEED_VIDEO, startStudioFeed } from '../infra/src/studio-feed.ts';
import { TestParticipants, ok } from '../signaling/src/testing/participants.ts';
import { packetSpan } from '../recorder/src/ffmpeg/probe.ts';
import { decodeMedia, probeStreams } from '../recorder/src/testing/media-check.ts';
import { launchChromium } from './support/browser.ts';
import { adminRequest } from './support/admin-request.ts';

/*
 * A whole recorded lesson: two studio angles from ffmpeg (H.264 + Opus over plain RTP), a classroom in Chromium
 * that goes on stage, the master audio muted and unmuted, a quiz, a knowledge-point marker, and the recorder's
 * ffmpeg for one angle SIGKILLed (its gap must be listed in the library entry); after a 60-second
 * lesson the library entry becomes ready with chapters, and the MP4 (downloaded through a ticket) and the HLS
 * (read through the API with a bearer token) are measured and decoded with ffmpeg, and played with hls.js.
 */

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LESSON_SECONDS = 60;
const MUTED_SECONDS = 5;

let stack: Stack;
let browser: Browser;
let participants: TestParticipants;
let dir: string;
const feeds: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ serveClient: true, sfuWorkers: 1 });
  browser = await launchChromium();
  participants = new TestParticipants(stack);
  dir = await mkdtemp(path.join(tmpdir(), 'dualclass-rec-e2e-'));
});

afterAll(async () => {
  for (const feed of feeds) feed.kill('SIGKILL');
  participants?.closeAll();
  await browser?.close();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const api = (pathname: string, init?: RequestInit) => adminRequest(stack, pathname, init);

/** SIGKILLs the recorder's ffmpeg capturing the track with this label; returns the lesson second it happened. */
async function killCapture(lessonId: string, label: string, lessonStartMs: number): Promise<number> {
  const lessonDir = path.join(stack.dataDir, 'recorder-work', lessonId);
  for (const dirName of (await readdir(lessonDir)).filter((n) => n.startsWith('track-'))) {
    const track = JSON.parse(await readFile(path.join(lessonDir, dirName, 'track.json'), 'utf8')) as { label: string };
    if (track.label !== label) continue;
    const { stdout } = await exec('pgrep', ['-f', path.join(lessonDir, dirName)]);
    const [pid] = stdout.trim().split('\n');
    process.kill(Number(pid), 'SIGKILL');
    return (Date.now() - lessonStartMs) / 1000;
  }
  throw new Error(`no capture for ${label}`);
}

describe('lesson recording', () => {
  it('publishes a 60-second lesson with two angles, a mute, a stage moment and a killed capture as verified MP4 + HLS with chapters and the gap listed', async () => {
    const lesson = await stack.admin.createLesson({ title: '电磁感应 录课', subject: '物理', grade: '高二', knowledgePoints: ['楞次定律'] });
    const room = await stack.admin.createClassroom({ name: '青山二中 高二(3)班' });
    await stack.admin.pairClassroom(lesson.id, room.id);

    // Studio angles are live before class starts, as in a real studio.
    const teacherCam = await stack.admin.createIngest(lesson.id, { label: '教师特写', video: FEED_VIDEO, audio: FEED_AUDIO });
    const benchCam = await stack.admin.createIngest(lesson.id, { label: '实验台', video: FEED_VIDEO });
    feeds.push(startStudioFeed(teacherCam, { width: 640, height: 360, bitrateKbps: 600 }));
    feeds.push(startStudioFeed(benchCam, { width: 640, height: 360, bitrateKbps: 600, pattern: 'smptebars' }));
    await sleep(1_500);

    const master = await participants.join(lesson.id, 'master_teacher', { displayName: '王老师' });
    const device = await stack.admin.issueToken(lesson.id, { role: 'classroom_device', displayName: '青山二中 高二(3)班', classroomId: room.id });
    const started = LessonSchema.parse(await ok(master.socket, 'lesson:start'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(new URL(device.joinPath, stack.url).href);

    const at = async (second: number) => sleep(Math.max(0, Date.parse(started.startedAt!) + second * 1000 - Date.now()));
    await at(10);
    await ok(master.socket, 'participant:mute', { participantId: teacherCam.participantId, kind: 'audio', muted: true });
    await at(15);
    await ok(master.socket, 'participant:mute', { participantId: teacherCam.participantId, kind: 'audio', muted: false });
    await at(20);
    await ok(master.socket, 'stage:invite', { participantId: device.participantId });
    await at(28);
    await ok(master.socket, 'quiz:launch', {
      question: '闭合线圈中磁通量增大时，感应电流的磁场方向？',
      kind: 'single',
      options: [
        { id: 'A', text: '与原磁场相同' },
        { id: 'B', text: '与原磁场相反' },
      ],
      correct: ['B'],
      knowledgePoint: '楞次定律',
      timeLimitSeconds: 10,
    });
    await at(36);
    await ok(master.socket, 'stage:remove', { participantId: device.participantId });
    await at(45);
    await ok(master.socket, 'lesson:markKnowledgePoint', { knowledgePoint: '右手定则' });
    await at(50);
    // The recorder's ffmpeg for the bench camera dies; it is restarted and the hole is listed, not fatal.
    const killed = await killCapture(lesson.id, '实验台', Date.parse(started.startedAt!));
    await at(LESSON_SECONDS);
    const ended = LessonSchema.parse(await ok(master.socket, 'lesson:end'));
    const endedAtMs = Date.now();
    const lessonSeconds = (Date.parse(ended.endedAt!) - Date.parse(started.startedAt!)) / 1000;
    await page.close();

    // The library entry is there at once (processing) and becomes ready after verification.
    const search = LibrarySearchResultSchema.parse(await api(`/api/library/entries?q=${encodeURIComponent('电磁感应')}`));
    const summary = search.items.find((e) => e.lessonId === lesson.id);
    expect(summary).toBeDefined();
    // Ready (playable) once the master view and its HLS are in; complete when the manifest is listed too.
    let entry: LibraryEntry;
    let playableAfter: number | undefined;
    for (;;) {
      entry = LibraryEntrySchema.parse(await api(`/api/library/entries/${summary!.id}`));
      if (entry.status === 'ready') playableAfter ??= (Date.now() - endedAtMs) / 1000;
      if (entry.status === 'failed' || entry.files.some((f) => f.role === 'manifest')) break;
      expect(Date.now() - endedAtMs).toBeLessThan(60_000);
      await sleep(250);
    }
    console.log(`lesson end → playable ${playableAfter?.toFixed(2)} s, complete ${((Date.now() - endedAtMs) / 1000).toFixed(2)} s`);
    expect(entry.failureReason).toBeNull();
    expect(entry.status).toBe('ready');
    expect(entry.gaps).toHaveLength(1);
    const [gap] = entry.gaps;
    expect(gap).toMatchObject({ track: '实验台', reason: 'recorder restarted' });
    expect(gap!.fromSeconds).toBeGreaterThan(killed - 2);
    expect(gap!.toSeconds).toBeLessThan(killed + 4);
    expect(entry.durationSeconds).toBeCloseTo(lessonSeconds, 0);

    const kinds = entry.chapters.map((c) => c.kind);
    expect(kinds).toEqual(['start', 'stage', 'quiz', 'knowledge_point']);
    const chapterAt = (kind: string) => entry.chapters.find((c) => c.kind === kind)!.atSeconds;
    expect(Math.abs(chapterAt('stage') - 20)).toBeLessThan(2);
    expect(Math.abs(chapterAt('quiz') - 28)).toBeLessThan(2);
    expect(Math.abs(chapterAt('knowledge_point') - 45)).toBeLessThan(2);
    expect(entry.chapters.find((c) => c.kind === 'stage')!.title).toContain('青山二中 高二(3)班');

    // The master MP4, downloaded the way a teacher would: ticket, then the file.
    const main = entry.files.find((f) => f.role === 'main')!;
    const ticket = DownloadTicketSchema.parse(await api(`/api/library/entries/${entry.id}/files/${main.id}/download`, { method: 'POST' }));
    const mp4 = path.join(dir, 'main.mp4');
    await writeFile(mp4, Buffer.from(await (await fetch(new URL(ticket.url, stack.url))).arrayBuffer()));
    const info = await probeStreams(mp4);
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['h264', 'opus']);
    expect(Math.abs(Number(info.format.duration) - lessonSeconds)).toBeLessThan(1);
    const mp4Span = (await packetSpan(mp4))!;
    expect(Math.abs(mp4Span.end - lessonSeconds)).toBeLessThan(1);
    const decoded = await decodeMedia(mp4);
    expect(decoded.videoFrames).toBeGreaterThan(20 * (lessonSeconds - 2));
    // The master audio was hard-muted for 5 s: no packets were sent, so that stretch holds no samples.
    expect(decoded.audioSeconds).toBeGreaterThan(lessonSeconds - MUTED_SECONDS - 2);
    expect(decoded.audioSeconds).toBeLessThan(lessonSeconds - MUTED_SECONDS + 1);

    // HLS through the API, with the bearer header a player sends.
    const hlsUrl = new URL(entry.hlsPath!, stack.url).href;
    const headers = ['-headers', `Authorization: Bearer ${stack.adminApiKey}\r\n`];
    const hlsSpan = (await packetSpan(hlsUrl, { inputArgs: headers }))!;
    expect(Math.abs(hlsSpan.end - lessonSeconds)).toBeLessThan(1);
    const hlsDecoded = await decodeMedia(hlsUrl, headers);
    expect(hlsDecoded.videoFrames).toBeGreaterThan(20 * (lessonSeconds - 2));
    expect(hlsDecoded.audioSeconds).toBeGreaterThan(lessonSeconds - MUTED_SECONDS - 2);

    // The other angle and the stage moment are extra files.
    expect(entry.files.filter((f) => f.role === 'angle').map((f) => f.label)).toEqual(['实验台']);
    expect(entry.files.filter((f) => f.role === 'stage').map((f) => f.label)).toEqual(['青山二中 高二(3)班']);
    expect(entry.files.some((f) => f.role === 'thumbnail')).toBe(true);

    // And a teacher plays it in the library page with hls.js, seeking by chapter.
    const token = IssuedLibraryTokenSchema.parse(await api('/api/library/tokens', { method: 'POST', body: JSON.stringify({ role: 'master_teacher', displayName: '王老师' }) }));
    const viewer = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await viewer.goto(new URL(`/library/${entry.id}#token=${token.token}`, stack.url).href);
    const video = viewer.getByTestId('library-video');
    await video.waitFor({ timeout: 30_000 });
    await viewer.getByTestId('chapter').filter({ hasText: '随堂测验' }).click();
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => ({ t: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames })), { timeout: 20_000 })
      .toMatchObject({ t: expect.any(Number) });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(chapterAt('quiz') + 0.5);
    expect(await video.evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames)).toBeGreaterThan(0);
    await viewer.close();
  }, 240_000);
});
