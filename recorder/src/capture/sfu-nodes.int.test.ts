import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMedia } from '../testing/media-check.ts';
import { RecordingRig } from '../testing/recording-rig.ts';

/*
 * In a cluster a producer lives on whichever SFU node its publisher was placed on. The recorder taps it on the node
 * the track names (not its own SFU_URL), remembers that node in the track's saved state, and when the node dies
 * the rest of the lesson is a listed gap, not silently missing media.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rig: RecordingRig;
beforeAll(async () => {
  rig = await RecordingRig.start({ segmentSeconds: 2 });
});
afterAll(async () => {
  await rig?.stop();
});

describe('recording from several SFU nodes', () => {
  it('taps a studio angle on another node and lists the rest as lost when that node dies', async () => {
    const lessonId = 'les-rec-node-lost';
    const nodeB = await rig.addSfuNode();
    const startedAt = new Date();
    await rig.client.call('recording.start', {
      lessonId,
      startedAt: startedAt.toISOString(),
      tags: { title: '跨节点录课', description: '', subject: '物理', grade: '高二', teacherName: '王老师', school: '一中', knowledgePoints: [] },
    });
    const angle = await rig.studioAngle(lessonId, 'studio-b', { audio: true }, nodeB.client);
    const tracks = [
      { producerId: angle.video.producerId, kind: 'video', role: 'angle', label: '教师特写' },
      { producerId: angle.audio!.producerId, kind: 'audio', role: 'audio', label: '主讲音频' },
    ] as const;
    for (const track of tracks) await rig.client.call('recording.addTrack', { lessonId, track: { ...track, participantId: 'studio-b', sfuUrl: nodeB.url } });
    const tappedAt = Date.now();
    const saved = JSON.parse(await readFile(path.join(rig.workDir, lessonId, 'track-000', 'track.json'), 'utf8')) as { sfuUrl?: string };
    expect(saved.sfuUrl).toBe(new URL(nodeB.url).href);

    await sleep(6_000);
    const diedAt = (Date.now() - startedAt.getTime()) / 1000;
    const tappedSeconds = (Date.now() - tappedAt) / 1000;
    await nodeB.server.close();
    await sleep(3_000);
    const { endedAt, manifest } = await rig.finish(lessonId);
    const lessonSeconds = (endedAt.getTime() - startedAt.getTime()) / 1000;

    expect(manifest.gaps.map((g) => g.track).sort()).toEqual(['主讲音频', '教师特写']);
    for (const gap of manifest.gaps) {
      expect(gap.reason).toBe('SFU node lost');
      expect(Math.abs(gap.fromSeconds - diedAt)).toBeLessThan(1.5);
      expect(Math.abs(gap.toSeconds - lessonSeconds)).toBeLessThan(0.5);
    }
    const main = manifest.files.find((f) => f.role === 'main')!;
    const decoded = await decodeMedia(path.join(rig.filesDir, main.storageKey));
    expect(decoded.videoFrames).toBeGreaterThan(25 * (tappedSeconds - 2));
    expect(decoded.audioSeconds).toBeGreaterThan(tappedSeconds - 2);
  }, 60_000);

  it('a restarted recorder continues a track on the node its saved state names', async () => {
    const lessonId = 'les-rec-node-restart';
    const nodeB = await rig.addSfuNode();
    const startedAt = new Date();
    const start = () =>
      rig.client.call('recording.start', {
        lessonId,
        startedAt: startedAt.toISOString(),
        tags: { title: '跨节点重启', description: '', subject: '物理', grade: '高二', teacherName: '王老师', school: '一中', knowledgePoints: [] },
      });
    await start();
    const angle = await rig.studioAngle(lessonId, 'studio-r', { audio: true }, nodeB.client);
    const tracks = [
      { producerId: angle.video.producerId, participantId: 'studio-r', kind: 'video', role: 'angle', label: '教师特写' },
      { producerId: angle.audio!.producerId, participantId: 'studio-r', kind: 'audio', role: 'audio', label: '主讲音频' },
    ] as const;
    for (const track of tracks) await rig.client.call('recording.addTrack', { lessonId, track: { ...track, sfuUrl: nodeB.url } });
    await sleep(4_000);
    await rig.restartRecorder();
    await sleep(1_000);
    await start();
    // Named without their node (the recorder's own SFU does not have these producers): the saved node is used.
    for (const track of tracks) await rig.client.call('recording.addTrack', { lessonId, track });
    expect((await rig.client.call('recording.status', { lessonId })).tracks).toBe(2);
    await sleep(4_000);
    const { manifest } = await rig.finish(lessonId);

    expect(manifest.gaps.map((g) => `${g.track}: ${g.reason}`).sort()).toEqual(['主讲音频: recorder restarted', '教师特写: recorder restarted']);
    const main = manifest.files.find((f) => f.role === 'main')!;
    const decoded = await decodeMedia(path.join(rig.filesDir, main.storageKey));
    expect(decoded.videoFrames).toBeGreaterThan(25 * 5);
    expect(decoded.audioSeconds).toBeGreaterThan(5);
  }, 60_000);
});
