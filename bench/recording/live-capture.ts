import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSegments, type RawSegment } from '../../recorder/src/capture/capture-run.ts';
import { SegmentVerifier } from '../../recorder/src/capture/segment-verifier.ts';
import { RUN_STATE_FILE, SavedRunSchema } from '../../recorder/src/recovery/saved-state.ts';
import { RecordingRig } from '../../recorder/src/testing/recording-rig.ts';
import { processCpuMeter, reapedChildrenCpuSeconds } from '../lib/cpu.ts';

/*
 * A short real lesson through the real SFU and recorder (RecordingRig): two 720p H.264 studio angles at 1.5 Mbit/s
 * plus Opus, tapped and captured by the recorder's ffmpegs. Measures the capture ffmpegs' CPU over a steady window,
 * then the lesson's end → the recorder's `recording.playable`, then (with nothing else running) the decode pass the
 * recorder gives every finished segment during a lesson, on copies of this lesson's segments.
 */

/** The recorder's default RECORDER_SEGMENT_SECONDS; the synthetic lesson is cut the same way. */
export const SEGMENT_SECONDS = 8;
const WARMUP_MS = 5_000; // past ffmpeg's stream analysis and the first keyframe
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StreamCpu {
  kind: 'video' | 'audio';
  /** Percent of one core. */
  capturePct: number;
  /** Percent of one core per second of media, for the segment decode pass. */
  verifyPct: number;
}

export interface LiveCaptureResult {
  windowSeconds: number;
  streams: StreamCpu[];
  /** Lesson length when it ended (start of recording → recording.finish). */
  lessonSeconds: number;
  /** recording.finish sent → recording.playable received. */
  playableSeconds: number;
  /** recording.finish sent → recording.published received. */
  publishedSeconds: number;
}

const TAGS = { title: 'bench', description: '', subject: '物理', grade: '高二', teacherName: '—', school: '—', knowledgePoints: [] };

async function capturePid(runDir: string): Promise<number> {
  const saved = SavedRunSchema.parse(JSON.parse(await readFile(path.join(runDir, RUN_STATE_FILE), 'utf8')));
  if (!saved.pid) throw new Error(`no ffmpeg pid in ${runDir}`);
  return saved.pid;
}

function notified(rig: RecordingRig, event: 'recording.playable' | 'recording.published', lessonId: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const offOk = rig.client.on(event, (data) => data.lessonId === lessonId && done(undefined));
    const offFail = rig.client.on('recording.failed', (data) => data.lessonId === lessonId && done(new Error(`recording failed: ${data.reason}`)));
    function done(err: Error | undefined) {
      clearTimeout(timer);
      offOk();
      offFail();
      if (err) reject(err);
      else resolve(performance.now());
    }
  });
}

function killAndReap(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

/** CPU of the recorder's decode pass per second of media, on copied segments (so no other child process exits meanwhile). */
async function verifyCpuPct(segments: RawSegment[]): Promise<number> {
  if (segments.length === 0) throw new Error(`no finished ${SEGMENT_SECONDS} s segment to verify: use a longer --window`);
  const before = reapedChildrenCpuSeconds();
  const verifier = new SegmentVerifier();
  const ok = await Promise.all(segments.map((s) => verifier.verify(s.file)));
  if (ok.includes(false)) throw new Error('a captured segment failed verification');
  const cpu = reapedChildrenCpuSeconds() - before;
  const media = segments.reduce((sum, s) => sum + (s.end - s.start), 0);
  return (cpu / media) * 100;
}


export async function measureLiveCapture(windowSeconds: number): Promise<LiveCaptureResult> {
  const rig = await RecordingRig.start({ segmentSeconds: SEGMENT_SECONDS });
  const copies = await mkdtemp(path.join(tmpdir(), 'dualclass-bench-segments-'));
  try {
    const lessonId = 'les-bench-capture';
    const startedAt = performance.now();
    await rig.client.call('recording.start', { lessonId, startedAt: new Date().toISOString(), tags: TAGS });
    const angles = [
      await rig.studioAngle(lessonId, 'bench-a', { audio: true, width: 1280, height: 720, bitrateKbps: 1500 }),
      await rig.studioAngle(lessonId, 'bench-b', { audio: false, width: 1280, height: 720, bitrateKbps: 1500, pattern: 'smptebars' }),
    ];
    const kinds: StreamCpu['kind'][] = [];
    for (const [i, angle] of angles.entries()) {
      await rig.client.call('recording.addTrack', { lessonId, track: { producerId: angle.video.producerId, participantId: angle.participantId, kind: 'video', role: 'angle', label: `angle-${i}` } });
      kinds.push('video');
      if (angle.audio) {
        await rig.client.call('recording.addTrack', { lessonId, track: { producerId: angle.audio.producerId, participantId: angle.participantId, kind: 'audio', role: 'audio', label: 'audio' } });
        kinds.push('audio');
      }
    }
    await sleep(WARMUP_MS);
    const runDirs = kinds.map((_, i) => path.join(rig.workDir, lessonId, `track-${String(i).padStart(3, '0')}`, 'run-000'));
    const meters = await Promise.all(runDirs.map(async (dir) => processCpuMeter([await capturePid(dir)])));
    await sleep(windowSeconds * 1000);
    const capturePct = await Promise.all(meters.map((m) => m.stop()));

    // The finished segments, copied before the lesson's end removes its work folder.
    const segmentCopies: RawSegment[][] = [];
    for (const [i, dir] of runDirs.entries()) {
      const target = path.join(copies, String(i));
      await mkdir(target);
      const finished = (await runSegments(dir)).filter((s) => !s.partial);
      segmentCopies.push(
        await Promise.all(
          finished.map(async (s) => {
            const file = path.join(target, path.basename(s.file));
            await copyFile(s.file, file);
            return { ...s, file };
          }),
        ),
      );
    }

    const playable = notified(rig, 'recording.playable', lessonId, 60_000);
    const published = notified(rig, 'recording.published', lessonId, 120_000);
    const endedAt = performance.now();
    await rig.client.call('recording.finish', { lessonId, endedAt: new Date().toISOString() });
    const [playableAt, publishedAt] = await Promise.all([playable, published]);
    // The feeds' encoders must be reaped before the decode pass is measured from this process's children's CPU.
    await Promise.all(rig.feeds.map(killAndReap));

    const streams: StreamCpu[] = [];
    for (const [i, kind] of kinds.entries()) streams.push({ kind, capturePct: capturePct[i]!, verifyPct: await verifyCpuPct(segmentCopies[i]!) });
    return {
      windowSeconds,
      streams,
      lessonSeconds: (endedAt - startedAt) / 1000,
      playableSeconds: (playableAt - endedAt) / 1000,
      publishedSeconds: (publishedAt - endedAt) / 1000,
    };
  } finally {
    await rig.stop();
    await rm(copies, { recursive: true, force: true });
  }
}
