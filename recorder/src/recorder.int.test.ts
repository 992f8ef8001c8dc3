import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestInfo, RecordingManifest } from '@dualclass/protocol';
import { packetSpan } from './ffmpeg/probe.ts';
import { decodeMedia, probeStreams } from './testing/media-check.ts';
import { RecordingRig } from './testing/recording-rig.ts';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rig: RecordingRig;
beforeAll(async () => {
  rig = await RecordingRig.start({ segmentSeconds: 2 });
});
afterAll(async () => {
  await rig?.stop();
});

const stored = (manifest: RecordingManifest, role: string) => manifest.files.filter((f) => f.role === role);
const fileOf = (key: string) => path.join(rig.filesDir, key);

/** Starts recording a lesson with one studio angle (video + master audio) fed by ffmpeg. */
async function recordAngle(lessonId: string, title: string, participantId: string): Promise<{ startedAt: Date; angle: IngestInfo }> {
  const startedAt = new Date();
  await rig.client.call('recording.start', {
    lessonId,
    startedAt: startedAt.toISOString(),
    tags: { title, description: '', subject: '物理', grade: '高二', teacherName: '王老师', school: '一中', knowledgePoints: ['楞次定律'] },
  });
  const angle = await rig.studioAngle(lessonId, participantId, { audio: true });
  await rig.client.call('recording.addTrack', { lessonId, track: { producerId: angle.video.producerId, participantId, kind: 'video', role: 'angle', label: '教师特写' } });
  await rig.client.call('recording.addTrack', { lessonId, track: { producerId: angle.audio!.producerId, participantId, kind: 'audio', role: 'audio', label: '主讲音频' } });
  return { startedAt, angle };
}

describe('recorder', () => {
  it('records two angles and the master audio without re-encoding into verified MP4, HLS and a thumbnail', async () => {
    const lessonId = 'les-rec-basic';
    const { startedAt } = await recordAngle(lessonId, '电磁感应', 'studio-a');
    const b = await rig.studioAngle(lessonId, 'studio-b', { audio: false, pattern: 'smptebars' });
    await rig.client.call('recording.addTrack', { lessonId, track: { producerId: b.video.producerId, participantId: 'studio-b', kind: 'video', role: 'angle', label: '实验台' } });
    await sleep(10_000);
    const { endedAt, status, manifest } = await rig.finish(lessonId);
    expect(status.phase).toBe('finalizing');

    const lessonSeconds = (endedAt.getTime() - startedAt.getTime()) / 1000;
    expect(manifest.durationSeconds).toBeCloseTo(lessonSeconds, 0);
    expect(manifest.gaps).toEqual([]);
    const [main] = stored(manifest, 'main');
    expect(main!.contentType).toBe('video/mp4');
    const info = await probeStreams(fileOf(main!.storageKey));
    expect(info.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:opus', 'video:h264']);
    expect(Math.abs(Number(info.format.duration) - lessonSeconds)).toBeLessThan(1);
    const decoded = await decodeMedia(fileOf(main!.storageKey));
    expect(decoded.videoFrames).toBeGreaterThan(25 * (lessonSeconds - 2));
    expect(createHash('sha256').update(await readFile(fileOf(main!.storageKey))).digest('hex')).toBe(main!.sha256);

    const [angle] = stored(manifest, 'angle');
    expect(angle!.label).toBe('实验台');
    expect((await probeStreams(fileOf(angle!.storageKey))).streams.map((s) => s.codec_name)).toEqual(['h264']);
    expect(stored(manifest, 'thumbnail')).toHaveLength(1);

    const playlist = manifest.hls!.files.find((f) => f.name === manifest.hls!.playlist)!;
    // HLS players start at the first media sample; the manifest says where that is on the recording.
    const hls = await packetSpan(fileOf(playlist.storageKey));
    expect(hls!.start).toBeCloseTo(manifest.playbackOffsetSeconds, 1);
    expect(Math.abs(hls!.end - lessonSeconds)).toBeLessThan(1);
    expect((await decodeMedia(fileOf(playlist.storageKey))).videoFrames).toBeGreaterThan(25 * (lessonSeconds - 2));
  }, 90_000);

  it('restarts a SIGKILLed ffmpeg, keeps everything but a short gap, and lists the gap', async () => {
    const lessonId = 'les-rec-crash';
    const { startedAt } = await recordAngle(lessonId, '断点测试', 'studio-c');
    await sleep(5_000);
    // The video track's ffmpeg is the one whose output path is under the first track folder.
    const videoDir = path.join(rig.workDir, lessonId, 'track-000');
    const { stdout } = await exec('pgrep', ['-f', videoDir]);
    const pids = stdout.trim().split('\n').filter(Boolean);
    expect(pids).toHaveLength(1);
    process.kill(Number(pids[0]), 'SIGKILL');
    await sleep(6_000);
    const { stdout: after } = await exec('pgrep', ['-f', videoDir]);
    expect(after.trim()).not.toBe('');
    expect(after.trim()).not.toBe(pids[0]);

    const { endedAt, manifest } = await rig.finish(lessonId);
    const lessonSeconds = (endedAt.getTime() - startedAt.getTime()) / 1000;

    expect(manifest.gaps).toHaveLength(1);
    const [gap] = manifest.gaps;
    expect(gap!.track).toBe('教师特写');
    expect(gap!.reason).toBe('recorder restarted');
    expect(gap!.fromSeconds).toBeGreaterThan(1);
    expect(gap!.toSeconds).toBeLessThan(lessonSeconds);
    // At most the segment being written (2 s here) plus the restart is lost.
    expect(gap!.toSeconds - gap!.fromSeconds).toBeLessThan(4);

    const [main] = stored(manifest, 'main');
    const info = await probeStreams(fileOf(main!.storageKey));
    expect(Math.abs(Number(info.format.duration) - lessonSeconds)).toBeLessThan(1);
    const decoded = await decodeMedia(fileOf(main!.storageKey));
    const lost = gap!.toSeconds - gap!.fromSeconds;
    expect(decoded.videoFrames).toBeGreaterThan(25 * (lessonSeconds - lost - 2));
  }, 90_000);

  it('a recorder restarted onto the same work folder adopts the lesson, records on and lists the gap', async () => {
    const lessonId = 'les-rec-restart';
    const { startedAt, angle } = await recordAngle(lessonId, '重启测试', 'studio-r');
    await sleep(5_000);
    // Shut down as on SIGTERM (captures stopped cleanly), then told the lesson again, as signaling does on reconnect.
    const stoppedAt = (Date.now() - startedAt.getTime()) / 1000;
    await rig.restartRecorder();
    await sleep(1_000);
    await rig.client.call('recording.start', {
      lessonId,
      startedAt: startedAt.toISOString(),
      tags: { title: '重启测试', description: '', subject: '物理', grade: '高二', teacherName: '王老师', school: '一中', knowledgePoints: [] },
    });
    await rig.client.call('recording.addTrack', { lessonId, track: { producerId: angle.video.producerId, participantId: 'studio-r', kind: 'video', role: 'angle', label: '教师特写' } });
    await rig.client.call('recording.addTrack', { lessonId, track: { producerId: angle.audio!.producerId, participantId: 'studio-r', kind: 'audio', role: 'audio', label: '主讲音频' } });
    await sleep(5_000);
    const { endedAt, manifest } = await rig.finish(lessonId);
    const lessonSeconds = (endedAt.getTime() - startedAt.getTime()) / 1000;

    expect(manifest.gaps.map((g) => g.track).sort()).toEqual(['主讲音频', '教师特写']);
    for (const gap of manifest.gaps) {
      expect(gap.reason).toBe('recorder restarted');
      expect(Math.abs(gap.fromSeconds - stoppedAt)).toBeLessThan(1);
      expect(gap.toSeconds - gap.fromSeconds).toBeLessThan(4);
    }
    const [main] = stored(manifest, 'main');
    const info = await probeStreams(fileOf(main!.storageKey));
    expect(Math.abs(Number(info.format.duration) - lessonSeconds)).toBeLessThan(1);
    const lost = Math.max(...manifest.gaps.map((g) => g.toSeconds - g.fromSeconds));
    expect((await decodeMedia(fileOf(main!.storageKey))).videoFrames).toBeGreaterThan(25 * (lessonSeconds - lost - 2));
  }, 90_000);

  it('cuts a paused stretch out of the published recording', async () => {
    const lessonId = 'les-rec-pause';
    const { startedAt } = await recordAngle(lessonId, '暂停测试', 'studio-p');
    await sleep(4_000);
    expect((await rig.client.call('recording.setPaused', { lessonId, paused: true })).phase).toBe('paused');
    await sleep(4_000);
    expect((await rig.client.call('recording.setPaused', { lessonId, paused: false })).phase).toBe('recording');
    await sleep(4_000);
    const { endedAt, manifest } = await rig.finish(lessonId);

    expect(manifest.paused).toHaveLength(1);
    const pausedSeconds = (Date.parse(manifest.paused[0]!.to) - Date.parse(manifest.paused[0]!.from)) / 1000;
    expect(pausedSeconds).toBeGreaterThan(3.5);
    const recorded = (endedAt.getTime() - startedAt.getTime()) / 1000 - pausedSeconds;
    expect(manifest.durationSeconds).toBeCloseTo(recorded, 0);
    expect(manifest.gaps).toEqual([]);
    const [main] = stored(manifest, 'main');
    const info = await probeStreams(fileOf(main!.storageKey));
    expect(Math.abs(Number(info.format.duration) - recorded)).toBeLessThan(1);
    expect((await decodeMedia(fileOf(main!.storageKey))).videoFrames).toBeGreaterThan(25 * (recorded - 2));
  }, 90_000);
});
