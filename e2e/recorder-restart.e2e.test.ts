import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadTicketSchema, LessonSchema, LibraryEntrySchema, LibrarySearchResultSchema, RecordingManifestSchema, type LibraryEntry, type RecordingManifest } from '@dualclass/protocol';
import { freePort } from '../infra/src/free-port.ts';
import { startService, type ServiceProcess } from '../infra/src/service-process.ts';
import { REPO_ROOT, startStack, type Stack } from '../infra/src/stack.ts';
import { FEED_AUDIO, FEED_VIDEO, startStudioFeed } from '../infra/src/studio-feed.ts';
import { TestParticipants, ok } from '../signaling/src/testing/participants.ts';
import { decodeMedia, probeStreams } from '../recorder/src/testing/media-check.ts';
import { adminRequest } from './support/admin-request.ts';

/*
 * The recorder process dies mid-lesson (SIGKILL to it and its ffmpeg captures, as a container runtime kills a
 * crashed service) and is started again by its supervisor on the same port and work folder. Signaling's link
 * reconnects and tells the new process the lesson again; it adopts the dead one's segments and records on. The
 * published recording covers the whole lesson but for one listed gap per track, from the kill to the new media.
 */

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LESSON_SECONDS = 32;
const KILL_AT_SECONDS = 14;
/** How long the supervisor waits before starting the recorder again. */
const RESTART_DELAY_MS = 1_000;
const FPS = 30;

let stack: Stack;
let participants: TestParticipants;
let dir: string;
/** The recorder process running now: the stack's first, then each restarted one. */
let recorder: ServiceProcess;
const feeds: ChildProcess[] = [];
const recorderEnv: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  const secrets = { RECORDER_RPC_SECRET: randomBytes(24).toString('base64url'), SFU_RPC_SECRET: randomBytes(24).toString('base64url') };
  // Fixed ports, so the restarted recorder is found where signaling's link keeps reconnecting to.
  const sfuRpcPort = await freePort();
  const recorderPort = String(await freePort());
  stack = await startStack({ sfuWorkers: 1, sfuRpcPort, env: { ...secrets, RECORDER_RPC_PORT: recorderPort } });
  recorder = stack.recorder!;
  Object.assign(recorderEnv, secrets, {
    RECORDER_RPC_PORT: recorderPort,
    SFU_URL: `http://127.0.0.1:${sfuRpcPort}`,
    RECORDER_WORK_DIR: path.join(stack.dataDir, 'recorder-work'),
    STORAGE_DIR: path.join(stack.dataDir, 'files'),
    LOG_LEVEL: 'info',
  });
  participants = new TestParticipants(stack);
  dir = await mkdtemp(path.join(tmpdir(), 'dualclass-rec-restart-'));
});

afterAll(async () => {
  for (const feed of feeds) feed.kill('SIGKILL');
  participants?.closeAll();
  if (recorder !== stack?.recorder) await recorder?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const api = (pathname: string, init?: RequestInit) => adminRequest(stack, pathname, init);

/** The recorder's ffmpeg processes (captures and background verification). */
async function recorderChildren(): Promise<number[]> {
  const { stdout } = await exec('pgrep', ['-P', String(recorder.child.pid!)]).catch(() => ({ stdout: '' }));
  return stdout.trim().split('\n').filter(Boolean).map(Number);
}

/**
 * SIGKILLs the recorder and, unless `alone`, its ffmpeg captures, as a container runtime kills a crashed service;
 * returns when. Alone, the captures outlive it, as under a supervisor that kills only the main process.
 */
async function killRecorder(options: { alone?: boolean } = {}): Promise<number> {
  const children = options.alone ? [] : await recorderChildren();
  const killedAtMs = Date.now();
  for (const victim of [recorder.child.pid!, ...children]) process.kill(victim, 'SIGKILL');
  return killedAtMs;
}

/** The supervisor starts the recorder again: same port, same work folder. */
function restartRecorder(): ServiceProcess {
  recorder = startService('recorder', path.join(REPO_ROOT, 'recorder/src/main.ts'), recorderEnv);
  return recorder;
}

const logged = (process: ServiceProcess, msg: string) => process.waitForLog((line) => (line.msg === msg ? true : undefined));
const signalingLogged = (msg: string) => logged(stack.signaling, msg);

const alive = (pid: number) => readFile(`/proc/${pid}/cmdline`, 'utf8').then((cmd) => cmd.length > 0, () => false);

/** A lesson with two studio angles (the teacher's with audio) fed by ffmpeg, started by the master. */
async function startLesson(title: string) {
  const lesson = await stack.admin.createLesson({ title, subject: '物理', grade: '高二', knowledgePoints: ['楞次定律'] });
  const teacherCam = await stack.admin.createIngest(lesson.id, { label: '教师特写', video: FEED_VIDEO, audio: FEED_AUDIO });
  const benchCam = await stack.admin.createIngest(lesson.id, { label: '实验台', video: FEED_VIDEO });
  feeds.push(startStudioFeed(teacherCam, { width: 640, height: 360, bitrateKbps: 600 }));
  feeds.push(startStudioFeed(benchCam, { width: 640, height: 360, bitrateKbps: 600, pattern: 'smptebars' }));
  await sleep(1_500);
  const master = await participants.join(lesson.id, 'master_teacher', { displayName: '王老师' });
  const started = LessonSchema.parse(await ok(master.socket, 'lesson:start'));
  const startMs = Date.parse(started.startedAt!);
  return {
    lesson,
    startMs,
    lessonDir: path.join(stack.dataDir, 'recorder-work', lesson.id),
    at: (second: number) => sleep(Math.max(0, startMs + second * 1000 - Date.now())),
    /** Ends the lesson; resolves with its length in seconds. */
    end: async () => (Date.parse(LessonSchema.parse(await ok(master.socket, 'lesson:end')).endedAt!) - startMs) / 1000,
  };
}

/** The lesson's library entry once it is complete (manifest listed) or failed. */
async function finishedEntry(lessonId: string, title: string): Promise<LibraryEntry> {
  const deadline = Date.now() + 60_000;
  const search = LibrarySearchResultSchema.parse(await api(`/api/library/entries?q=${encodeURIComponent(title)}`));
  const summary = search.items.find((e) => e.lessonId === lessonId)!;
  for (;;) {
    const entry = LibraryEntrySchema.parse(await api(`/api/library/entries/${summary.id}`));
    if (entry.status === 'failed' || entry.files.some((f) => f.role === 'manifest')) return entry;
    expect(Date.now()).toBeLessThan(deadline);
    await sleep(250);
  }
}

/** The published manifest: gaps on the lesson's clock, where kills and restarts happen (the library shows them on the player's). */
async function manifestOf(entry: LibraryEntry): Promise<RecordingManifest> {
  return RecordingManifestSchema.parse(JSON.parse(await readFile(await download(entry, 'manifest', `${entry.id}-manifest.json`), 'utf8')));
}

/** Every capture run folder of the lesson (track-NNN/run-NNN). */
async function runFolders(lessonDir: string): Promise<string[]> {
  const tracks = (await readdir(lessonDir)).filter((n) => n.startsWith('track-'));
  const runs = await Promise.all(tracks.map(async (t) => (await readdir(path.join(lessonDir, t))).filter((n) => n.startsWith('run-')).map((r) => path.join(lessonDir, t, r))));
  return runs.flat();
}

/** Resolves with the time the first run folder not in `before` holds a segment with media in it. */
async function firstNewMedia(lessonDir: string, before: Set<string>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const run of (await runFolders(lessonDir)).filter((r) => !before.has(r))) {
      const segs = (await readdir(run)).filter((n) => n.startsWith('seg-'));
      for (const seg of segs) if ((await stat(path.join(run, seg))).size > 4096) return Date.now();
    }
    await sleep(25);
  }
  throw new Error('no new media after the restart');
}

/** Video frames the file holds before `seconds` of its timeline. */
async function framesBefore(file: string, seconds: number): Promise<number> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter((l) => l && Number(l) < seconds).length;
}

/** A stored file, downloaded the way a teacher would: ticket, then the file. */
async function download(entry: LibraryEntry, role: string, name: string): Promise<string> {
  const file = entry.files.find((f) => f.role === role)!;
  const ticket = DownloadTicketSchema.parse(await api(`/api/library/entries/${entry.id}/files/${file.id}/download`, { method: 'POST' }));
  const local = path.join(dir, `${entry.id}-${name}`);
  await writeFile(local, Buffer.from(await (await fetch(new URL(ticket.url, stack.url))).arrayBuffer()));
  return local;
}

describe('recorder restart', () => {
  it('a SIGKILLed recorder is restarted mid-lesson and the recording continues, with the gap listed per track', async () => {
    const { lesson, startMs, lessonDir, at, end } = await startLesson('断电重启 录课');
    await at(KILL_AT_SECONDS);
    const before = new Set(await runFolders(lessonDir));
    expect(before.size).toBe(3); // two angles and the master audio, one run each
    const killedAtMs = await killRecorder();
    await sleep(RESTART_DELAY_MS);
    const restarted = restartRecorder();
    const since = (promise: Promise<unknown>) => promise.then(() => (Date.now() - killedAtMs) / 1000);
    const adopted = since(logged(restarted, 'recording adopted from an earlier recorder process'));
    const listening = await since(logged(restarted, 'recorder listening'));
    const mediaAtMs = await firstNewMedia(lessonDir, before, 15_000);
    console.log(
      `recorder killed at ${KILL_AT_SECONDS.toFixed(1)} s, restarted ${RESTART_DELAY_MS} ms later: listening after ${listening.toFixed(2)} s, ` +
        `lesson adopted (signaling reconnected) after ${(await adopted).toFixed(2)} s, new media after ${((mediaAtMs - killedAtMs) / 1000).toFixed(2)} s`,
    );
    expect((await runFolders(lessonDir)).length).toBe(6); // each track continues in a new run

    await at(LESSON_SECONDS);
    const lessonSeconds = await end();
    const entry = await finishedEntry(lesson.id, '断电重启');
    expect(entry.failureReason).toBeNull();
    expect(entry.status).toBe('ready');
    expect(entry.durationSeconds).toBeCloseTo(lessonSeconds, 0);

    // One gap per recorded track, from about the kill to about the new process's first media.
    const manifest = await manifestOf(entry);
    const killedAt = (killedAtMs - startMs) / 1000;
    const mediaAt = (mediaAtMs - startMs) / 1000;
    expect(entry.gaps).toHaveLength(3);
    // The teacher camera's video and audio both carry its label.
    expect(manifest.gaps.map((g) => g.track).sort()).toEqual(['实验台', '教师特写', '教师特写']);
    for (const gap of manifest.gaps) {
      expect(gap.reason).toBe('recorder restarted');
      expect(gap.fromSeconds).toBeGreaterThan(killedAt - 2);
      expect(gap.fromSeconds).toBeLessThan(killedAt + 0.5);
      expect(gap.toSeconds).toBeGreaterThan(killedAt + RESTART_DELAY_MS / 1000);
      expect(gap.toSeconds).toBeLessThan(mediaAt + 2);
      console.log(`gap ${gap.track}: ${gap.fromSeconds.toFixed(2)}–${gap.toSeconds.toFixed(2)} s of the lesson (${(gap.toSeconds - gap.fromSeconds).toFixed(2)} s; killed at ${killedAt.toFixed(2)} s)`);
    }
    const lost = Math.max(...manifest.gaps.map((g) => g.toSeconds - g.fromSeconds));

    // The master MP4 (on the lesson's clock) covers the lesson; everything before the kill is in it, and all but
    // the gap after it.
    const mp4 = await download(entry, 'main', 'main.mp4');
    const info = await probeStreams(mp4);
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['h264', 'opus']);
    expect(Math.abs(Number(info.format.duration) - lessonSeconds)).toBeLessThan(1);
    const teacherGap = manifest.gaps.find((g) => g.track === '教师特写')!;
    expect(await framesBefore(mp4, teacherGap.fromSeconds)).toBeGreaterThan(FPS * (teacherGap.fromSeconds - manifest.playbackOffsetSeconds - 1));
    const decoded = await decodeMedia(mp4);
    expect(decoded.videoFrames).toBeGreaterThan(FPS * (lessonSeconds - lost - 2));
    expect(decoded.audioSeconds).toBeGreaterThan(lessonSeconds - lost - 2);
    expect(entry.files.filter((f) => f.role === 'angle').map((f) => f.label)).toEqual(['实验台']);
  }, 180_000);

  it('a lesson that ends while the recorder is down is finished when it is back, the lost end listed', async () => {
    const { lesson, startMs, at, end } = await startLesson('下课时录像机宕机');
    await at(8);
    const killedAt = ((await killRecorder()) - startMs) / 1000;
    await at(11);
    const lessonSeconds = await end();
    await sleep(1_000);
    await logged(restartRecorder(), 'recording adopted from an earlier recorder process');

    const entry = await finishedEntry(lesson.id, '宕机');
    expect(entry.failureReason).toBeNull();
    expect(entry.status).toBe('ready');
    expect(entry.durationSeconds).toBeCloseTo(lessonSeconds, 0);
    const manifest = await manifestOf(entry);
    expect(manifest.gaps).toHaveLength(3);
    for (const gap of manifest.gaps) {
      expect(gap.reason).toBe('recorder down at lesson end');
      expect(gap.fromSeconds).toBeGreaterThan(killedAt - 2);
      expect(gap.fromSeconds).toBeLessThan(killedAt + 0.5);
      expect(gap.toSeconds).toBeCloseTo(lessonSeconds, 1);
    }
    // What was recorded before the kill is all published.
    const mp4 = await download(entry, 'main', 'main.mp4');
    const teacherGap = manifest.gaps.find((g) => g.track === '教师特写')!;
    expect(await framesBefore(mp4, teacherGap.fromSeconds)).toBeGreaterThan(FPS * (teacherGap.fromSeconds - manifest.playbackOffsetSeconds - 1));
    expect((await decodeMedia(mp4)).videoFrames).toBeGreaterThan(FPS * (killedAt - 3));
  }, 120_000);

  it('captures that outlive a killed recorder are stopped by the restarted one and what they wrote is kept', async () => {
    const { lesson, startMs, at, end } = await startLesson('孤儿采集');
    await at(8);
    const captures = await recorderChildren();
    expect(captures.length).toBeGreaterThanOrEqual(3);
    const killedAt = ((await killRecorder({ alone: true })) - startMs) / 1000;
    await sleep(RESTART_DELAY_MS);
    await logged(restartRecorder(), 'recording adopted from an earlier recorder process');
    for (const pid of captures) expect(await alive(pid)).toBe(false);
    await at(18);
    const lessonSeconds = await end();

    const entry = await finishedEntry(lesson.id, '孤儿采集');
    expect(entry.status).toBe('ready');
    const manifest = await manifestOf(entry);
    // The orphans kept recording until the new process took over, so each gap starts after the kill. A track whose
    // hand-over took under MIN_GAP_SECONDS (0.5 s, finalize/timeline.ts) lists no gap at all, so not every track has one.
    expect(manifest.gaps.length).toBeGreaterThanOrEqual(1);
    expect(manifest.gaps.length).toBeLessThanOrEqual(3);
    for (const gap of manifest.gaps) {
      expect(gap.reason).toBe('recorder restarted');
      expect(gap.fromSeconds).toBeGreaterThan(killedAt + RESTART_DELAY_MS / 1000);
      console.log(`orphaned capture ${gap.track}: gap ${gap.fromSeconds.toFixed(2)}–${gap.toSeconds.toFixed(2)} s (recorder killed at ${killedAt.toFixed(2)} s)`);
    }
    const lost = Math.max(...manifest.gaps.map((g) => g.toSeconds - g.fromSeconds));
    const mp4 = await download(entry, 'main', 'main.mp4');
    expect((await decodeMedia(mp4)).videoFrames).toBeGreaterThan(FPS * (lessonSeconds - lost - 2));
  }, 120_000);

  it('a recorder killed while finalizing is asked to finish again once it is back, and the entry is published whole', async () => {
    const { lesson, at, end } = await startLesson('整理中宕机');
    await at(8);
    const lessonSeconds = await end();
    // Kill it while it writes the published files: the first ffmpeg that is not a capture (capture runs read an SDP).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const commands = await Promise.all((await recorderChildren()).map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')));
      if (commands.some((c) => c.includes('concat') && !c.includes('.sdp'))) break;
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(20);
    }
    await killRecorder();
    await sleep(RESTART_DELAY_MS);
    const again = signalingLogged('recorder lost the recording while finalizing it; finishing it again');
    await logged(restartRecorder(), 'recording adopted from an earlier recorder process');
    await again;

    const entry = await finishedEntry(lesson.id, '整理中宕机');
    expect(entry.failureReason).toBeNull();
    expect(entry.status).toBe('ready');
    expect(entry.durationSeconds).toBeCloseTo(lessonSeconds, 0);
    // Capture had ended cleanly before the kill: nothing of the lesson is missing.
    expect((await manifestOf(entry)).gaps).toEqual([]);
    const mp4 = await download(entry, 'main', 'main.mp4');
    expect((await decodeMedia(mp4)).videoFrames).toBeGreaterThan(FPS * (lessonSeconds - 3));
  }, 120_000);
});
