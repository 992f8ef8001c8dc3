import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { CaptureRun } from '../../recorder/src/capture/capture-run.ts';
import { finalizeRecording, type CapturedTrack } from '../../recorder/src/finalize/finalize.ts';
import type { TapCodec } from '../../recorder/src/ffmpeg/sdp.ts';
import { LocalDirStore } from '../../recorder/src/storage/local-store.ts';
import { SEGMENT_SECONDS } from './live-capture.ts';

/*
 * Lesson end → library entry for a long lesson (two 720p angles + audio), from raw segments laid out exactly as the
 * capture writes them (built by stream-copying a 20-second clip), finalized by the recorder's own finalizeRecording.
 */

const exec = promisify(execFile);
const CLIP_SECONDS = 20;

const H264: TapCodec = { kind: 'video', mimeType: 'video/H264', payloadType: 102, clockRate: 90_000, channels: undefined, fmtp: '' };
const OPUS: TapCodec = { kind: 'audio', mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000, channels: 2, fmtp: '' };

export interface FinalizeResult {
  minutes: number;
  rawGB: number;
  /** finalizeRecording called → its onPlayable (master view MP4 + HLS + thumbnail verified and stored). */
  playableSeconds: number;
  /** finalizeRecording called → resolved with the complete manifest (every angle). */
  completeSeconds: number;
  files: number;
  hlsFiles: number;
}

/** Raw segments (and the run's continuous file) for `minutes` of one stream, as a capture run writes them. */
async function synthesizeRun(clip: string, map: string, dir: string, minutes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const loops = Math.ceil((minutes * 60) / CLIP_SECONDS) - 1;
  await exec('ffmpeg', [
    '-v', 'error', '-stream_loop', String(loops), '-i', clip, '-map', map, '-c', 'copy', '-t', String(minutes * 60),
    '-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-segment_format', 'matroska', '-segment_list', path.join(dir, 'segments.csv'),
    '-segment_list_type', 'csv', '-reset_timestamps', '1', path.join(dir, 'seg-%05d.mkv'),
    '-map', map, '-c', 'copy', '-t', String(minutes * 60), '-f', 'matroska', path.join(dir, 'run.mkv'),
  ]);
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export async function measureFinalize(minutes: number): Promise<FinalizeResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-bench-'));
  try {
    const clip = path.join(dir, 'clip.mkv');
    await exec('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(CLIP_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-bf', '0', '-g', '60', '-b:v', '1500k', '-maxrate', '1500k', '-bufsize', '3000k',
      '-c:a', 'libopus', '-b:a', '64k', '-ac', '2', '-y', clip,
    ]);
    const lessonDir = path.join(dir, 'lesson');
    const layout = [
      { label: '教师特写', role: 'angle' as const, kind: 'video' as const, codec: H264, map: '0:v' },
      { label: '主讲音频', role: 'audio' as const, kind: 'audio' as const, codec: OPUS, map: '0:a' },
      { label: '实验台', role: 'angle' as const, kind: 'video' as const, codec: H264, map: '0:v' },
    ];
    const startMs = Date.now() - minutes * 60_000;
    const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
    const tracks: CapturedTrack[] = [];
    for (const [i, t] of layout.entries()) {
      const runDir = path.join(lessonDir, `track-${i}`, 'run-000');
      await synthesizeRun(clip, t.map, runDir, minutes);
      const run = new CaptureRun(runDir, () => undefined);
      run.anchorMs = startMs + 200;
      run.exit = 'stopped'; // as after a clean stop: its run.mkv is complete
      tracks.push({ track: { producerId: `p${i}`, participantId: 'studio', kind: t.kind, role: t.role, label: t.label }, codec: t.codec, runs: [run], log });
    }
    const rawBytes = await du(lessonDir);
    const store = new LocalDirStore(path.join(dir, 'files'));
    const started = performance.now();
    let playableAt: number | undefined;
    const manifest = await finalizeRecording({
      lessonId: 'les-bench-final',
      tags: { title: '基准课', description: '', subject: '物理', grade: '高二', teacherName: '—', school: '—', knowledgePoints: [] },
      startMs,
      endMs: startMs + minutes * 60_000 + 200,
      pauses: [],
      tracks,
      // Every segment had its decode pass during the lesson (the live capture measures what that costs).
      verifier: { verify: async () => true },
      store,
      dir: lessonDir,
      progress: () => undefined,
      onPlayable: () => (playableAt = performance.now()),
      log,
    });
    const completeSeconds = (performance.now() - started) / 1000;
    if (playableAt === undefined) throw new Error('finalize never reported a playable entry');
    return {
      minutes,
      rawGB: rawBytes / 1e9,
      playableSeconds: (playableAt - started) / 1000,
      completeSeconds,
      files: manifest.files.length,
      hlsFiles: manifest.hls?.files.length ?? 0,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
